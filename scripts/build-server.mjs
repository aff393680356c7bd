// Bundles the ION-like server (TypeScript) into one ESM file Node runs directly.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}demo-app/server/cli.ts`],
  outfile: `${root}demo-app/server/dist/cli.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
