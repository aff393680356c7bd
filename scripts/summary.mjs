// Adds up the unit/integration results (npm test) and the browser results (npm run test:e2e)
// into CI's one closing line.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
let passed = 0;
let failed = 0;
const jest = `${root}.jest-results.json`;
if (existsSync(jest)) {
  const r = JSON.parse(readFileSync(jest, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
} else failed += 1;
// The type-check, the linter and the size budgets (scripts/test.mjs), one test each.
const checks = `${root}.checks-result.json`;
if (existsSync(checks)) {
  for (const ok of Object.values(JSON.parse(readFileSync(checks, 'utf8')))) {
    passed += ok ? 1 : 0;
    failed += ok ? 0 : 1;
  }
} else failed += 1;
const e2e = `${root}demo-app/test-results/e2e.json`;
if (existsSync(e2e)) {
  const r = JSON.parse(readFileSync(e2e, 'utf8'));
  passed += r.passed;
  failed += r.failed;
} else failed += 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
