// StrykerJS mutation testing (`npm run test:mutation`, see scripts/mutation.mjs).
// Two targets, each with its own committed incremental file so reruns only test what changed:
//   decision (default): the pure modules whose behaviour the links are built on;
//   links (STRYKER_TARGET=links): the policy core and the link classes.
// The tests are the unit tests under src/ on Apollo Client 4 (jest.stryker.config.cjs).
import os from 'node:os';
import path from 'node:path';

const targets = {
  decision: [
    'src/classify/**/*.ts',
    '!src/classify/**/__tests__/**',
    '!src/classify/index.ts',
    '!src/classify/ErrorClassifyLink.ts',
    'src/profiles/**/*.ts',
    '!src/profiles/**/__tests__/**',
    '!src/profiles/index.ts',
    'src/retry/{backoff,retryBudget,circuitBreaker,mergePartialResults,retryDecision,decideRetry}.ts',
    'src/etag/{threeWayMerge,conflictDetection,etagPath}.ts',
    'src/auth/{jwt,authFailure}.ts',
    'src/offline/outboxDecisions.ts',
  ],
  // The policy core holds the links' behaviour since #16: the executor, the policies, the token
  // manager, the guard around user callbacks, the record queue of serialized writes; the link classes
  // are thin wrappers.
  links: [
    'src/core/executor.ts',
    'src/guard.ts',
    'src/offline/recordQueue.ts',
    'src/auth/{authPolicy,TokenManager,crossTab,clientCredentials,graphqlWs,AuthRefreshLink}.ts',
    'src/classify/ErrorClassifyLink.ts',
    'src/createResilienceLink.ts',
    'src/retry/{retryPolicy,RetryBackoffLink}.ts',
    'src/etag/{etagPolicy,EtagConflictLink}.ts',
  ],
};
const target = process.env.STRYKER_TARGET || 'decision';
if (!targets[target]) throw new Error(`stryker.config.mjs: unknown STRYKER_TARGET ${target}`);
// Outside the work tree: other tools (jest's haste map, git status) never see the sandboxes.
const scratch = path.join(os.tmpdir(), 'apollo-link-resilience-stryker');
// Named runs (scripts/mutation.mjs --name) can go on side by side.
const run = process.env.STRYKER_RUN || target;

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  // Static mutants (rule tables) run only the test files that import the mutated file.
  jest: { projectType: 'custom', configFile: 'jest.stryker.config.cjs', enableFindRelatedTests: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.stryker.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  mutate: targets[target],
  // Rule tables are data evaluated at load time: mutate them too.
  ignoreStatic: false,
  incremental: true,
  incrementalFile: `reports/stryker-incremental${target === 'decision' ? '' : `-${target}`}.json`,
  // tests/ is copied: unit tests under src/ may import its fixtures.
  ignorePatterns: ['/demo-app', '/bench', '/docs', '/dist', '/scratch', '/reports', '/coverage'],
  tempDirName: path.join(scratch, `tmp-${run}`),
  reporters: ['json', 'progress'],
  jsonReporter: { fileName: path.join(scratch, `${run}.json`) },
};
