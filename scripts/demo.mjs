// `npm run demo`: installs if needed, builds the package, the ION-like server and the React desk,
// then serves the desk and the API on one origin, printing one URL. `PORT=4100 npm run demo` picks
// another port (default 4000).
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { buildDemo, root } from './build-demo.mjs';
import { ensureInstalled } from './ensure-install.mjs';

const port = process.env.PORT ?? '4000';
const HOST = '127.0.0.1';

function portProblem(code) {
  const other = Number(port) === 4000 ? 4100 : 4000;
  if (code === 'EADDRINUSE') {
    return `Port ${port} on ${HOST} is already in use — probably another \`npm run demo\` (open http://${HOST}:${port}/ or stop it with Ctrl+C).\nTo run one more, pick another port: PORT=${other} npm run demo`;
  }
  if (code === 'EACCES')
    return `Port ${port} needs privileges this user does not have; pick one above 1023: PORT=${other} npm run demo`;
  return undefined;
}

/** Whether the port can be bound, checked before a minute of building: the error code, or undefined. */
function tryPort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error) => resolve(error.code ?? String(error)));
    probe.listen(Number(port), HOST, () => probe.close(() => resolve(undefined)));
  });
}

if (!/^\d+$/.test(port) || Number(port) > 65535) {
  console.error(`PORT must be a number from 0 to 65535, got "${port}". Example: PORT=4100 npm run demo`);
  process.exit(1);
}
const early = await tryPort();
if (early) {
  console.error(
    portProblem(early) ?? `Cannot listen on ${HOST}:${port} (${early}). Try another port: PORT=4100 npm run demo`,
  );
  process.exit(1);
}

ensureInstalled();
buildDemo();
const child = spawn('node', ['demo-app/server/dist/cli.mjs', '--port', port, '--static', 'demo-app/dist'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
});
// Until the server is listening, its stderr is held back: a port taken meanwhile is reported in
// one sentence instead of a stack trace. After that it passes straight through.
let started = false;
let startupErrors = '';
child.stderr.on('data', (chunk) => {
  if (started) process.stderr.write(chunk);
  else startupErrors += String(chunk);
});
child.stdout.on('data', (chunk) => {
  const text = String(chunk);
  const url = /http:\/\/127\.0\.0\.1:\d+/.exec(text)?.[0];
  if (url && !started) {
    started = true;
    if (startupErrors) process.stderr.write(startupErrors);
  }
  process.stdout.write(url ? `Purchase-order desk: ${url}/  (open it in several tabs; Ctrl+C stops)\n` : text);
});
child.on('exit', (code) => {
  if (!started && code !== 0) {
    const known = /\b(EADDRINUSE|EACCES)\b/.exec(startupErrors)?.[1];
    console.error(known ? portProblem(known) : startupErrors.trimEnd());
  }
  process.exit(code ?? 0);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
