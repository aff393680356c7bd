// `prepare`: npm runs it on `npm install`/`npm ci` in this repo, before `npm pack`/`npm publish`,
// and when a user installs the package from a git URL (npm installs our devDependencies for that).
// It rebuilds dist/ from scratch, so a tarball never carries chunks left over from an older build.
// `npm run build` does not clean: the jest suites build while other suites may read dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rollup = `${root}node_modules/rollup/dist/bin/rollup`;

if (!existsSync(rollup)) {
  // `npm ci --omit=dev` in the repo has no build tools: let the install finish, but never pack without dist/.
  const installing = ['install', 'ci', 'i'].includes(process.env.npm_command ?? '');
  console.error(
    `prepare: rollup is not installed (devDependencies omitted?); ${installing ? 'dist/ not built' : 'cannot build dist/'}`,
  );
  process.exit(installing ? 0 : 1);
}
rmSync(`${root}dist`, { recursive: true, force: true });
const r = spawnSync(process.execPath, [rollup, '-c', '--silent'], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
