// `npm run bench [-- --json]`: builds the package and the benchmark, then runs it with --expose-gc.
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();
const root = fileURLToPath(new URL('..', import.meta.url));
const rollup = spawnSync('node', ['node_modules/rollup/dist/bin/rollup', '-c', '--silent'], {
  cwd: root,
  stdio: 'inherit',
});
if (rollup.status !== 0) process.exit(1);
await build({
  entryPoints: [`${root}bench/run.ts`],
  outfile: `${root}bench/dist/run.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const r = spawnSync('node', ['--expose-gc', 'bench/dist/run.mjs', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
