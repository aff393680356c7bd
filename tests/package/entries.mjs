// Imports every entry of the installed package, read from its own `exports`, as native ESM; prints,
// per entry, its export names and which of its `*Link` classes extend this project's ApolloLink.
import { readFileSync } from 'node:fs';
import { ApolloLink } from '@apollo/client/core/index.js';

const pkg = JSON.parse(
  readFileSync(new URL('./node_modules/apollo-link-resilience/package.json', import.meta.url), 'utf8'),
);
const entries = {};
for (const key of Object.keys(pkg.exports).filter((k) => k !== './package.json')) {
  const specifier = `apollo-link-resilience${key.slice(1)}`;
  const mod = await import(specifier);
  const names = Object.keys(mod).sort();
  const links = names.filter((n) => /^[A-Z]\w*Link$/.test(n) && typeof mod[n] === 'function');
  entries[specifier] = { names, links, foreignLinks: links.filter((n) => !(mod[n].prototype instanceof ApolloLink)) };
}
console.log(JSON.stringify(entries));
