// `npm test`: type-check, lint and format check, then every jest suite on Apollo Client 4 and 3 (unit, integration
// against the real ION-like server, the built package's consumers), then the size budgets. Ends with `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();

const root = fileURLToPath(new URL('..', import.meta.url));
const resultsFile = `${root}.jest-results.json`;
const extra = process.argv.slice(2);

// Checks that count as one test each: the type-check and the linter before jest, the size budgets
// after it (jest's package suite builds dist/, which size-limit measures).
const checks = {};
const check = (name, args) => {
  const run = spawnSync('node', args, { cwd: root, stdio: 'inherit' });
  checks[name] = run.status === 0;
  console.log(`${name}: ${checks[name] ? 'ok' : 'FAILED'}`);
};
check('typecheck', [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.json', '--noEmit']);
check('lint', [`${root}node_modules/eslint/bin/eslint.js`, 'src']);
check('format', [`${root}node_modules/prettier/bin/prettier.cjs`, '--check', '--log-level', 'warn', '.']);

rmSync(resultsFile, { force: true });
const jest = spawnSync(
  'node',
  [`${root}node_modules/jest/bin/jest.js`, '--json', `--outputFile=${resultsFile}`, ...extra],
  { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] },
);
if (!existsSync(`${root}dist/index.js`))
  spawnSync('node', [`${root}node_modules/rollup/dist/bin/rollup`, '-c', '--silent'], { cwd: root, stdio: 'inherit' });
check('size budgets', [`${root}node_modules/size-limit/bin.js`]);
writeFileSync(`${root}.checks-result.json`, JSON.stringify(checks));

let passed = 0;
let failed = 0;
if (existsSync(resultsFile)) {
  const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed = results.numPassedTests;
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
} else {
  failed = 1;
}
for (const ok of Object.values(checks)) {
  passed += ok ? 1 : 0;
  failed += ok ? 0 : 1;
}
if (jest.status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
