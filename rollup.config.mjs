// Dual build: ESM (`.js` + `.d.ts`) and CJS (`.cjs` + `.d.cts`), one entry per link.
// The ESM build imports `@apollo/client/core/index.js` (works natively on AC3 and AC4); the CJS
// build requires `@apollo/client/core` (AC3 `core.cjs`, AC4's CJS entry). Crossing them would load
// a second copy of ApolloLink/Observable beside the user's: the dual-package hazard.
import { existsSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';
import { dts } from 'rollup-plugin-dts';

const entries = Object.fromEntries(
  Object.entries({
    index: 'src/index.ts',
    classify: 'src/classify/index.ts',
    retry: 'src/retry/index.ts',
    auth: 'src/auth/index.ts',
    etag: 'src/etag/index.ts',
    // 0.2 entries (DESIGN.md §5), built once their folder exists; each also needs `exports` and `typesVersions`.
    profiles: 'src/profiles/index.ts',
    testing: 'src/testing/index.ts',
    otel: 'src/otel/index.ts',
    offline: 'src/offline/index.ts',
  }).filter(([, file]) => existsSync(file)),
);
const external = (id) => /^(@apollo\/client|graphql|rxjs|@opentelemetry\/api)(\/|$)/.test(id);
const cjsPaths = { '@apollo/client/core/index.js': '@apollo/client/core' };

export default [
  {
    input: entries,
    external,
    plugins: [esbuild({ target: 'es2020', tsconfig: 'tsconfig.json' })],
    output: [
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].js',
        chunkFileNames: 'shared/[name]-[hash].js',
        sourcemap: true,
      },
      {
        dir: 'dist',
        format: 'cjs',
        entryFileNames: '[name].cjs',
        chunkFileNames: 'shared/[name]-[hash].cjs',
        paths: cjsPaths,
        sourcemap: true,
        exports: 'named',
      },
    ],
  },
  {
    input: entries,
    external,
    plugins: [dts({ tsconfig: 'tsconfig.json', compilerOptions: { stripInternal: true } })], // @internal members (the fused chain's hooks) stay out of the types
    output: [
      { dir: 'dist', format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'shared/[name]-[hash].d.ts' },
      {
        dir: 'dist',
        format: 'es',
        entryFileNames: '[name].d.cts',
        chunkFileNames: 'shared/[name]-[hash].d.cts',
        paths: cjsPaths,
      },
    ],
  },
];
