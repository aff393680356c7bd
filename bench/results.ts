import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** Replaces one marked section of bench/RESULTS.md (the benchmarks and the soak write their own). */
export function writeSection(name: 'bench' | 'soak', markdown: string): void {
  const file = `${process.cwd()}/bench/RESULTS.md`;
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmark and reliability results\n\n<!-- bench:start -->\n<!-- bench:end -->\n\n<!-- soak:start -->\n<!-- soak:end -->\n';
  if (!text.includes(start)) text += `\n${start}\n${end}\n`;
  const before = text.slice(0, text.indexOf(start) + start.length);
  const after = text.slice(text.indexOf(end));
  writeFileSync(file, `${before}\n${markdown.trim()}\n${after}`);
}
