// `npm run demo`: installs if needed, builds the package, the ION-like server and the React desk,
// then serves the desk and the API on one origin, printing one URL.
import { spawn } from 'node:child_process';
import { buildDemo, root } from './build-demo.mjs';
import { ensureInstalled } from './ensure-install.mjs';

ensureInstalled();
buildDemo();
const port = process.env.PORT ?? '4000';
const child = spawn('node', ['demo-app/server/dist/cli.mjs', '--port', port, '--static', 'demo-app/dist'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.on('data', (chunk) => {
  const text = String(chunk);
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0];
  process.stdout.write(url ? `Purchase-order desk: ${url}/  (open it in several tabs; Ctrl+C stops)\n` : text);
});
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
