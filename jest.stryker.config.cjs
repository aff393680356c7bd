// The jest config StrykerJS runs (npm run test:mutation): the unit tests under src/ on Apollo Client 4
// only, one project (Stryker's jest runner does not take `projects`). Transform and module mapping
// are the ac4 project's in jest.config.cjs.
const base = require('./jest.config.cjs');
const ac4 = base.projects.find((p) => p.displayName === 'ac4');

module.exports = {
  testEnvironment: ac4.testEnvironment,
  transform: ac4.transform,
  moduleNameMapper: ac4.moduleNameMapper,
  // STRYKER_TESTS (scripts/mutation.mjs --tests): a comma-separated list of globs narrows the tests.
  testMatch: process.env.STRYKER_TESTS
    ? process.env.STRYKER_TESTS.split(',').map((glob) => `<rootDir>/${glob.trim()}`)
    : ['<rootDir>/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
};
