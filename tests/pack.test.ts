// The package as a user gets it from a git URL or from a tarball made on a fresh clone: the last
// commit is cloned (committed files only: a missing `prepare`, `files` entry or `git add` fails
// here), `npm pack` runs `prepare` there, npm installs the tarball in an empty folder, and every entry
// of its `exports` is imported as ESM and required as CJS on Apollo Client 4 and 3; the types are
// checked under TypeScript's legacy `node10` resolution (the `typesVersions` path).
// Not a fresh install: the clone borrows this repo's node_modules (symlink) and the consumer gets
// @apollo/client, graphql and rxjs the same way, so the test needs no registry and takes ~30 s.
// Skipped when this folder is not the top of a git checkout (no git, or a source archive): there is
// no commit to clone. Runs in the ac4 project only; it switches Apollo majors itself.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(__dirname, '..');
const nm = join(root, 'node_modules');
const ac4 = !(require('@apollo/client/package.json') as { version: string }).version.startsWith('3.');

function gitTopLevel(): string | undefined {
  try {
    return realpathSync(
      execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: root, encoding: 'utf8', stdio: 'pipe' }).trim(),
    );
  } catch {
    return undefined;
  }
}
const isCheckout = gitTopLevel() === realpathSync(root);

interface PackedFile {
  path: string;
  size: number;
}
interface Manifest {
  exports: Record<string, unknown>;
  typesVersions?: Record<string, Record<string, string[]>>;
  main: string;
  module: string;
  types: string;
}
interface Entry {
  names: string[];
  links: string[];
  foreignLinks: string[];
}

let tmp: string;
let consumer: string;
let files: string[];
let manifest: Manifest;
let packSeconds: number;

const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

function useApollo(major: 3 | 4): void {
  const link = join(consumer, 'node_modules', '@apollo', 'client');
  rmSync(link, { force: true });
  symlinkSync(join(nm, '@apollo', major === 3 ? 'client-v3' : 'client'), link, 'dir');
}

const describeIf = ac4 && isCheckout ? describe : describe.skip;
describeIf(`npm pack of a fresh clone${isCheckout ? '' : ' (skipped: not a git checkout)'}`, () => {
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'alr-pack-'));
    const clone = join(tmp, 'clone');
    run('git', ['clone', '--quiet', '--depth', '1', pathToFileURL(root).href, clone], tmp);
    symlinkSync(nm, join(clone, 'node_modules'), 'dir');
    const started = Date.now();
    // --ignore-scripts=false: a developer's global ignore-scripts must not turn this into a false alarm.
    const out = run('npm', ['pack', '--json', '--ignore-scripts=false', '--pack-destination', tmp], clone);
    packSeconds = (Date.now() - started) / 1000;
    const [packed] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: PackedFile[] }[];
    files = packed!.files.map((f) => f.path).sort();

    consumer = join(tmp, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // The tarball has no dependencies; its peers come from this repo below (npm would remove them as extraneous).
    run(
      'npm',
      [
        'install',
        join(tmp, packed!.filename),
        '--offline',
        '--legacy-peer-deps',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
      ],
      consumer,
    );
    for (const dep of ['graphql', 'rxjs', 'tslib'])
      symlinkSync(join(nm, dep), join(consumer, 'node_modules', dep), 'dir');
    // The optional peer of the /otel entry, as an app that uses it has it.
    mkdirSync(join(consumer, 'node_modules', '@opentelemetry'));
    symlinkSync(join(nm, '@opentelemetry', 'api'), join(consumer, 'node_modules', '@opentelemetry', 'api'), 'dir');
    mkdirSync(join(consumer, 'node_modules', '@apollo'));
    for (const file of ['entries.mjs', 'entries.cjs', 'consumer.mjs', 'consumer.cjs'])
      cpSync(join(__dirname, 'package', file), join(consumer, file));
    manifest = require(join(consumer, 'node_modules', 'apollo-link-resilience', 'package.json')) as Manifest;
  }, 180_000);
  afterAll(() => tmp && rmSync(tmp, { recursive: true, force: true }));

  test('the tarball holds the build, package.json, README, LICENSE and CHANGELOG, and nothing else', () => {
    expect(
      files.filter(
        (f) => !/^(dist\/.+\.(c?js|d\.c?ts|c?js\.map)|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/.test(f),
      ),
    ).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'CHANGELOG.md',
        'dist/index.js',
        'dist/index.cjs',
      ]),
    );
    const targets = [
      manifest.main,
      manifest.module,
      manifest.types,
      ...JSON.stringify(manifest.exports).match(/\.\/dist\/[^"]+/g)!,
    ];
    for (const map of Object.values(manifest.typesVersions ?? {})) targets.push(...Object.values(map).flat());
    expect(targets.map((t) => t.replace(/^\.\//, '')).filter((t) => !files.includes(t))).toEqual([]);
    console.log(`npm pack of a fresh clone (prepare included): ${packSeconds.toFixed(1)} s, ${files.length} files`);
  });

  test('every built entry is in exports, and every subpath has a typesVersions mapping (TypeScript node10 ignores exports)', () => {
    const subpaths = Object.keys(manifest.exports)
      .filter((k) => k !== '.' && k !== './package.json')
      .map((k) => k.slice(2));
    const built = files
      .map((f) => /^dist\/([^/]+)\.js$/.exec(f)?.[1])
      .filter((name): name is string => !!name && name !== 'index');
    expect(built.sort()).toEqual([...subpaths].sort());
    expect(Object.keys(manifest.typesVersions?.['*'] ?? {}).sort()).toEqual([...subpaths].sort());
  });

  test.each([4, 3] as const)(
    'on Apollo Client %i, every entry imports as ESM and requires as CJS with the same exports and one ApolloLink',
    (major) => {
      useApollo(major);
      const esm = JSON.parse(run('node', ['entries.mjs'], consumer)) as Record<string, Entry>;
      const cjs = JSON.parse(run('node', ['entries.cjs'], consumer)) as Record<string, Entry>;
      expect(Object.keys(esm).sort()).toEqual(
        Object.keys(manifest.exports)
          .filter((k) => k !== './package.json')
          .map((k) => `apollo-link-resilience${k.slice(1)}`)
          .sort(),
      );
      expect(cjs).toEqual(esm);
      for (const entry of Object.values(esm)) {
        expect(entry.names.length).toBeGreaterThan(0);
        expect(entry.foreignLinks).toEqual([]);
      }
      expect(esm['apollo-link-resilience']!.links).toEqual(
        expect.arrayContaining(['ErrorClassifyLink', 'RetryBackoffLink', 'AuthRefreshLink', 'EtagConflictLink']),
      );
      expect(esm['apollo-link-resilience/offline']!.links).toEqual(['OutboxLink']);
      for (const file of ['consumer.mjs', 'consumer.cjs']) {
        const out = JSON.parse(run('node', [file], consumer).trim().split('\n').pop()!) as {
          sameApolloLink: boolean;
          categories: string[];
        };
        expect(out).toMatchObject({ sameApolloLink: true, categories: ['token-expired'] });
      }
    },
    60_000,
  );

  test('the types of every entry resolve under moduleResolution node10 (CommonJS, Apollo Client 4)', () => {
    useApollo(4);
    const subpaths = Object.keys(manifest.exports)
      .filter((k) => k !== './package.json')
      .map((k) => `apollo-link-resilience${k.slice(1)}`);
    writeFileSync(
      join(consumer, 'node10.ts'),
      [
        "import type { ApolloLink } from '@apollo/client/core';",
        "import { createResilienceLink } from 'apollo-link-resilience';",
        'export const link: ApolloLink = createResilienceLink();',
        ...subpaths.map(
          (s, i) => `import * as entry${i} from '${s}';\nexport const names${i}: string[] = Object.keys(entry${i});`,
        ),
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'commonjs',
          moduleResolution: 'node10',
          target: 'ES2020',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
          lib: ['ES2022', 'DOM'],
        },
        files: ['node10.ts'],
      }),
    );
    try {
      run('node', [join(nm, 'typescript/bin/tsc'), '-p', 'tsconfig.json'], consumer);
    } catch (error) {
      throw new Error(`node10 type check failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
  }, 60_000);
});
