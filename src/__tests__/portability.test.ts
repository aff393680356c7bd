// What every browser we support can parse: a module that one engine cannot parse fails to load as a
// whole, so one modern construct in one rule would take every link of the package down with it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__tests__' || entry.name === '__testUtils__' ? [] : sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

test('the shipped sources hold no regular-expression lookbehind (Safari before 16.4 cannot parse one)', () => {
  const files = sources(SRC);
  expect(files.length).toBeGreaterThan(40);
  const found = files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => (/\(\?<[=!]/.test(line) ? [`${file.slice(SRC.length + 1)}:${i + 1}`] : [])),
  );
  expect(found).toEqual([]);
});
