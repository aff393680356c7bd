// Builds what the demo needs: the package (dist/), the ION-like server bundle, the React app.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

function step(label, args) {
  const r = spawnSync('node', args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`${label} failed`);
    process.exit(r.status ?? 1);
  }
}

export function buildDemo() {
  step('package build', ['node_modules/rollup/dist/bin/rollup', '-c', '--silent']);
  step('server build', ['scripts/build-server.mjs']);
  step('app build', ['node_modules/vite/bin/vite.js', 'build', '--config', 'demo-app/vite.config.mjs']);
}
