// `npm run test:mutation [-- --links] [-- --no-check] [-- --name <run>] [-- --tests <globs>] [-- <stryker options>]`:
// StrykerJS on the decision modules
// (default) or the links, incremental (reports/stryker-incremental*.json, committed: a rerun only
// tests the mutants whose code or covering tests changed; `--force` reruns all). Prints the score
// of every mutated file; the last line is `mutation score: NN.N %`.
// With `--mutate <files>` the committed incremental file is read but not overwritten (partial runs
// keep their own copy in the OS temp dir).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const target = args.includes('--links') ? 'links' : 'decision';
// `--name <run>`: runs with different names can go on at the same time (own sandbox, report and
// partial incremental copy). `--tests <glob,...>`: only these test files (paths under the repo, e.g.
// `src/classify/__tests__/*.test.ts`) — for static-heavy files (rule tables), whose every mutant otherwise runs
// all related test files; a mutant only other tests would kill then counts as survived (a lower bound).
const valueOf = (flag) => {
  const i = args.indexOf(flag);
  return i === -1 ? undefined : args[i + 1];
};
const runName = valueOf('--name') ?? target;
if (!/^[\w-]+$/.test(runName)) throw new Error(`--name: letters, digits, - and _ only (${runName})`);
const tests = valueOf('--tests');
const withValue = ['--name', '--tests'];
const passThrough = args.filter(
  (a, i) => a !== '--links' && a !== '--no-check' && !withValue.includes(a) && !withValue.includes(args[i - 1] ?? ''),
);
// The TypeScript checker needs src/ (tests excluded) to compile as it is; `--no-check` skips it while a
// change in progress does not (mutants that would not compile then count as killed or survived).
if (args.includes('--no-check')) passThrough.push('--checkers', '');
const scratch = path.join(os.tmpdir(), 'apollo-link-resilience-stryker');
const reportFile = path.join(scratch, `${runName}.json`);
const incrementalFile = `reports/stryker-incremental${target === 'decision' ? '' : `-${target}`}.json`;
mkdirSync(scratch, { recursive: true });
rmSync(reportFile, { force: true });

if (passThrough.some((a) => a === '--mutate' || a === '-m' || a.startsWith('--mutate='))) {
  // Partial runs share one scratch copy (so a rerun after new tests is incremental too), seeded
  // from the committed file whenever that one is newer.
  const copy = path.join(scratch, `partial-${runName}-incremental.json`);
  const committed = path.join(root, incrementalFile);
  if (existsSync(committed) && (!existsSync(copy) || statSync(committed).mtimeMs > statSync(copy).mtimeMs))
    copyFileSync(committed, copy);
  passThrough.push('--incrementalFile', copy);
}

const started = Date.now();
const child = spawn(
  process.execPath,
  [path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', 'stryker.config.mjs', ...passThrough],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      STRYKER_TARGET: target,
      STRYKER_RUN: runName,
      ...(tests === undefined ? {} : { STRYKER_TESTS: tests }),
    },
  },
);
// Stopping this script stops Stryker (which stops its workers).
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
const status = await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
const seconds = Math.round((Date.now() - started) / 1000);
if (status !== 0 || !existsSync(reportFile)) {
  console.log(`stryker failed (exit ${status}) after ${seconds} s`);
  console.log('mutation score: n/a');
  process.exit(1);
}

const report = JSON.parse(readFileSync(reportFile, 'utf8'));
// Stryker's report also lists the files it only knows from the incremental file: with `--mutate` of
// plain paths, show only those.
const mutateArg = valueOf('--mutate') ?? valueOf('-m');
if (mutateArg !== undefined && !/[*?{!]/.test(mutateArg)) {
  // A `file:line-line` range names its file.
  const wanted = new Set(
    mutateArg.split(',').map((f) => path.resolve(root, f.trim().replace(/:\d+(:\d+)?-\d+(:\d+)?$/, ''))),
  );
  for (const file of Object.keys(report.files)) if (!wanted.has(path.resolve(root, file))) delete report.files[file];
}
const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
const rows = Object.entries(report.files)
  .map(([file, { mutants }]) => {
    const count = (set) => mutants.filter((m) => set.has(m.status)).length;
    const detected = count(DETECTED);
    const valid = detected + count(UNDETECTED);
    return {
      file: path.relative(root, path.resolve(root, file)),
      killed: detected,
      survived: mutants.filter((m) => m.status === 'Survived').length,
      noCoverage: mutants.filter((m) => m.status === 'NoCoverage').length,
      compileErrors: mutants.filter((m) => m.status === 'CompileError').length,
      valid,
    };
  })
  .sort((a, b) => a.file.localeCompare(b.file));
const pct = (d, v) => (v === 0 ? 'n/a' : `${((100 * d) / v).toFixed(1)} %`);
const width = Math.max(...rows.map((r) => r.file.length), 4);
console.log(`\n${'file'.padEnd(width)}  killed  survived  no-cov  compile-err   score`);
for (const r of rows) {
  console.log(
    `${r.file.padEnd(width)}  ${String(r.killed).padStart(6)}  ${String(r.survived).padStart(8)}  ${String(r.noCoverage).padStart(6)}  ${String(r.compileErrors).padStart(11)}  ${pct(r.killed, r.valid).padStart(7)}`,
  );
}
const total = rows.reduce(
  (t, r) => ({
    killed: t.killed + r.killed,
    valid: t.valid + r.valid,
    survived: t.survived + r.survived,
    noCoverage: t.noCoverage + r.noCoverage,
  }),
  { killed: 0, valid: 0, survived: 0, noCoverage: 0 },
);
console.log(
  `\n${target}: ${total.killed} killed or timed out, ${total.survived} survived, ${total.noCoverage} without a covering test; ${seconds} s`,
);
// Every survivor and uncovered mutant, one per line, for the next round of tests.
const survivors = Object.entries(report.files).flatMap(([file, { mutants }]) =>
  mutants
    .filter((m) => UNDETECTED.has(m.status))
    .map(
      (m) =>
        `${path.relative(root, path.resolve(root, file))}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName}: ${JSON.stringify(m.replacement ?? '')}`,
    ),
);
const survivorsFile = path.join(scratch, `${runName}-survivors.txt`);
writeFileSync(survivorsFile, survivors.join('\n') + '\n');
console.log(`survivors and uncovered mutants: ${survivorsFile}`);
console.log(`mutation score: ${pct(total.killed, total.valid)}`);
