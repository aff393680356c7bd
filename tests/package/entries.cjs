// Requires every entry of the installed package, read from its own `exports`, as CommonJS; prints,
// per entry, its export names and which of its `*Link` classes extend this project's ApolloLink.
const { ApolloLink } = require('@apollo/client/core');
const pkg = require('apollo-link-resilience/package.json');

const entries = {};
for (const key of Object.keys(pkg.exports).filter((k) => k !== './package.json')) {
  const specifier = `apollo-link-resilience${key.slice(1)}`;
  const mod = require(specifier);
  const names = Object.keys(mod)
    .filter((n) => n !== '__esModule')
    .sort();
  const links = names.filter((n) => /^[A-Z]\w*Link$/.test(n) && typeof mod[n] === 'function');
  entries[specifier] = { names, links, foreignLinks: links.filter((n) => !(mod[n].prototype instanceof ApolloLink)) };
}
console.log(JSON.stringify(entries));
