// `npm run lint:package`: build once from a clean dist/ (scripts/prepare.mjs), pack the package
// exactly as `npm publish` would (without running `prepare` a second time), then lint that tarball:
// publint --strict, and attw with its strict profile, i.e. every resolution mode (node10,
// node16 from CJS, node16 from ESM, bundler).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (path) => join(root, 'node_modules', path);
const run = (file, args) => {
  try {
    execFileSync(process.execPath, [file, ...args], { cwd: root, stdio: 'inherit' });
  } catch (error) {
    console.error(`lint:package failed: ${file.slice(root.length)} ${args.join(' ')}`);
    process.exit(error.status ?? 1);
  }
};

run(join(root, 'scripts', 'prepare.mjs'), []);
const out = mkdtempSync(join(tmpdir(), 'alr-lint-package-'));
try {
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
      cwd: root,
      encoding: 'utf8',
    }),
  );
  const tarball = join(out, filename);
  run(bin('publint/src/cli.js'), ['run', tarball, '--strict']);
  run(bin('@arethetypeswrong/cli/dist/index.js'), [tarball, '--profile', 'strict']);
} finally {
  rmSync(out, { recursive: true, force: true });
}
