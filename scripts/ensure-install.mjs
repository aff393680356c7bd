// Folds `npm ci` into the quick start: a fresh clone runs `npm run demo` or `npm test` directly.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function ensureInstalled() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const markers = ['node_modules/jest', 'node_modules/@apollo/client-v3', 'node_modules/typescript'];
  if (markers.every((m) => existsSync(`${root}${m}`))) return;
  console.log('Installing dependencies (npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
