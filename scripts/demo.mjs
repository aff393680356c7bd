// `npm run demo`: installs if needed, builds the ION-like server and starts it (the React desk
// is served by it once built), printing one URL.
import { spawnSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();
const root = fileURLToPath(new URL('..', import.meta.url));
const step = (args) => {
  const r = spawnSync('node', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
step(['scripts/build-server.mjs']);
const port = process.env.PORT ?? '4000';
const child = spawn('node', ['demo-app/server/dist/cli.mjs', '--port', port], { cwd: root, stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
