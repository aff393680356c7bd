// `npm test`: type-check, then every jest suite on Apollo Client 4 and 3 (unit, integration
// against the real ION-like server, the built package's consumers). Ends with `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsFile = `${root}.jest-results.json`;
const extra = process.argv.slice(2);

const tsc = spawnSync('node', [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.json', '--noEmit'], { cwd: root, stdio: 'inherit' });
const typecheckFailed = tsc.status !== 0 ? 1 : 0;
writeFileSync(`${root}.typecheck-result.json`, JSON.stringify({ ok: !typecheckFailed }));
console.log(typecheckFailed ? 'typecheck: FAILED' : 'typecheck: ok');

rmSync(resultsFile, { force: true });
const jest = spawnSync('node', [`${root}node_modules/jest/bin/jest.js`, '--json', `--outputFile=${resultsFile}`, ...extra], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
} else {
  failed = 1;
}
passed += typecheckFailed ? 0 : 1;
failed += typecheckFailed;
if (jest.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
