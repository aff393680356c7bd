// Size budgets (DESIGN.md §5): min+gzip, each entry tree-shaken by esbuild with every peer external.
// `limit` is the budget enforced in `npm test`; `goal` is DESIGN's target where the measured size is
// still above it (see bench/RESULTS.md, "Bundle size"): a budget may only go down.
const peers = ['@apollo/client', 'graphql', 'rxjs', '@opentelemetry/api'];
const entry = (name, path, importSpec, limit) => ({ name, path, import: importSpec, limit, gzip: true, brotli: false, ignore: peers });
module.exports = [
  entry('root (export *)', 'dist/index.js', '*', '25 kB'),
  entry('classifyError (core)', 'dist/index.js', '{ classifyError }', '7 kB'),
  entry('RetryBackoffLink', 'dist/retry.js', '{ RetryBackoffLink }', '12 kB'),
  entry('AuthRefreshLink', 'dist/auth.js', '{ AuthRefreshLink }', '12 kB'),
  entry('EtagConflictLink', 'dist/etag.js', '{ EtagConflictLink }', '11 kB'),
  entry('profiles: ion', 'dist/profiles.js', '{ ion }', '2 kB'),
  entry('profiles: restEnvelope', 'dist/profiles.js', '{ restEnvelope }', '2 kB'),
  entry('profiles: graphqlCodes', 'dist/profiles.js', '{ graphqlCodes }', '2 kB'),
  entry('profiles: apolloServer', 'dist/profiles.js', '{ apolloServer }', '2 kB'),
  entry('profiles: hasura', 'dist/profiles.js', '{ hasura }', '2 kB'),
  entry('profiles: appSync', 'dist/profiles.js', '{ appSync }', '2 kB'),
  entry('profiles: shopify', 'dist/profiles.js', '{ shopify }', '2 kB'),
  entry('profiles: github', 'dist/profiles.js', '{ github }', '2 kB'),
];
