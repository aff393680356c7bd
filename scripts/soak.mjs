// `npm run soak [-- --json]`: builds and runs bench/soak.ts (bounded: < 5 minutes, loopback only).
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();
const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  entryPoints: [`${root}bench/soak.ts`],
  outfile: `${root}bench/dist/soak.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
const r = spawnSync('node', ['bench/dist/soak.mjs', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  timeout: 6 * 60_000,
});
process.exit(r.status ?? 1);
