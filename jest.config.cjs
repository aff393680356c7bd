// Two projects: the same suites on Apollo Client 4 (rxjs) and 3 (zen-observable).
// ts-jest runs TypeScript as CommonJS, where AC's ESM `core/index.js` cannot load, so the
// ESM specifier our source uses is mapped to the CJS entry of each major.
const transform = {
  '^.+\\.tsx?$': [
    'ts-jest',
    {
      tsconfig: {
        module: 'commonjs',
        moduleResolution: 'node',
        isolatedModules: true,
        esModuleInterop: true,
        target: 'ES2020',
      },
      diagnostics: false,
    },
  ],
};
// Our sources import './x.js' (native ESM); jest resolves the .ts beside it.
const relative = { '^(\\.{1,2}/.*)\\.js$': '$1' };
const common = {
  testEnvironment: 'node',
  // Integration suites talk to a real server; on a loaded 2-core machine 5 s is too tight for the
  // 100-operation cases (unit tests run on fake timers and never come near this).
  testTimeout: 30_000,
  transform,
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/tests/**/*.test.ts', '<rootDir>/demo-app/src/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/demo-app/(server|dist|test-results)/'],
};
module.exports = {
  projects: [
    {
      ...common,
      displayName: 'ac4',
      moduleNameMapper: { '^@apollo/client/core/index\\.js$': '@apollo/client/core', ...relative },
    },
    {
      ...common,
      displayName: 'ac3',
      moduleNameMapper: {
        '^@apollo/client/core/index\\.js$': '@apollo/client-v3/core',
        '^@apollo/client(/.*)?$': '@apollo/client-v3$1',
        ...relative,
      },
    },
  ],
};
