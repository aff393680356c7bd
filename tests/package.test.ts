// The built package, as a user installs it: a fresh ESM and a fresh CJS consumer on AC4 and AC3,
// and the public types checked against both majors' type definitions.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const nm = join(root, 'node_modules');
// One major per jest project, so the two projects do not repeat each other.
const major = (require('@apollo/client/package.json') as { version: string }).version.startsWith('3.') ? 3 : 4;
let project: string;

beforeAll(() => {
  execFileSync('node', [join(nm, 'rollup/dist/bin/rollup'), '-c', '--silent'], { cwd: root, stdio: 'pipe' });
  project = mkdtempSync(join(tmpdir(), `alr-consumer-ac${major}-`));
  const pkgDir = join(project, 'node_modules', 'apollo-link-resilience');
  mkdirSync(pkgDir, { recursive: true });
  cpSync(join(root, 'dist'), join(pkgDir, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(pkgDir, 'package.json'));
  mkdirSync(join(project, 'node_modules', '@apollo'));
  symlinkSync(
    join(nm, '@apollo', major === 3 ? 'client-v3' : 'client'),
    join(project, 'node_modules', '@apollo', 'client'),
    'dir',
  );
  for (const dep of ['graphql', 'rxjs', 'tslib']) symlinkSync(join(nm, dep), join(project, 'node_modules', dep), 'dir');
  cpSync(join(__dirname, 'package', 'consumer.mjs'), join(project, 'consumer.mjs'));
  cpSync(join(__dirname, 'package', 'consumer.cjs'), join(project, 'consumer.cjs'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
}, 120_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

test.each(['consumer.mjs', 'consumer.cjs'])(
  `%s imports the built package on Apollo Client ${major} with one copy of ApolloLink`,
  (file) => {
    const out = JSON.parse(
      execFileSync('node', [file], { cwd: project, encoding: 'utf8' }).trim().split('\n').pop()!,
    ) as { sameApolloLink: boolean; data: unknown; categories: string[]; direct: unknown };
    expect(out.sameApolloLink).toBe(true);
    expect(out.data).toEqual({ po: { id: '1', __typename: 'PO', rating: null } });
    expect(out.categories).toEqual(['token-expired']);
    expect(out.direct).toMatchObject({ field: 'quantity' });
  },
);

test(`the public types check against Apollo Client ${major}'s types`, () => {
  const config = join(root, 'tests', 'types', `tsconfig.ac${major}.json`);
  expect(() =>
    execFileSync('node', [join(nm, 'typescript/bin/tsc'), '-p', config], {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    }),
  ).not.toThrow();
}, 120_000);

// The dist/ built above, packed without `prepare` (which would clean and rebuild dist/ under the other
// project's feet). attw's strict profile checks every resolution mode: node10 (typesVersions), node16
// from CJS, node16 from ESM, bundler.
(major === 4 ? test : test.skip)(
  'publint --strict and attw (every profile) accept the packed package',
  () => {
    const lint = (file: string, args: string[]) => {
      try {
        execFileSync('node', [file, ...args], { cwd: root, stdio: 'pipe', encoding: 'utf8' });
      } catch (error) {
        throw new Error(
          `${(error as { stdout?: string }).stdout ?? ''}${(error as { stderr?: string }).stderr ?? String(error)}`,
        );
      }
    };
    const out = mkdtempSync(join(tmpdir(), 'alr-lint-'));
    try {
      const [{ filename }] = JSON.parse(
        execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
          cwd: root,
          encoding: 'utf8',
          stdio: 'pipe',
        }),
      ) as [{ filename: string }];
      lint(join(nm, 'publint/src/cli.js'), ['run', join(out, filename), '--strict']);
      lint(join(nm, '@arethetypeswrong/cli/dist/index.js'), [
        join(out, filename),
        '--profile',
        'strict',
        '--format',
        'ascii',
      ]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
  180_000,
);

(major === 4 ? test : test.skip)(
  'the README snippets that import the package type-check',
  () => {
    const { readFileSync } = require('node:fs') as typeof import('node:fs');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((code) => code.includes("from 'apollo-link-resilience'"));
    expect(blocks.length).toBeGreaterThan(0);
    blocks.forEach((code, i) => writeFileSync(join(root, 'tests', 'types', 'readme', `snippet-${i}.ts`), code));
    try {
      execFileSync(
        'node',
        [join(nm, 'typescript/bin/tsc'), '-p', join(root, 'tests', 'types', 'tsconfig.readme.json')],
        { cwd: root, encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (error) {
      throw new Error(`README snippet does not type-check:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    } finally {
      blocks.forEach((_, i) => rmSync(join(root, 'tests', 'types', 'readme', `snippet-${i}.ts`), { force: true }));
    }
  },
  120_000,
);

(major === 4 ? test : test.skip)('an AuthRefreshLink with crossTab in Node does not keep the process alive', () => {
  const script = `import { AuthRefreshLink } from '${join(root, 'dist', 'auth.js')}'; new AuthRefreshLink({ getToken: () => 't', refresh: async () => 'u', crossTab: true });`;
  expect(() =>
    execFileSync('node', ['--input-type=module', '-e', script], { cwd: root, timeout: 10_000, stdio: 'pipe' }),
  ).not.toThrow();
});
