// Each profile: ≤ 2 kB (2000 B, as size-limit counts) min+gz (esbuild, peers external), and tree-shakable from the
// `profiles` entry (importing one pulls in no other profile and no classifier code).
import { buildSync } from 'esbuild';
import { gzipSync } from 'zlib';
import { join } from 'path';

const ENTRY = join(__dirname, '..', 'index.ts');
const PROFILES: Record<string, string> = {
  apolloServer: 'apollo/csrf',
  hasura: 'hasura/role-not-allowed',
  appSync: 'appsync/missing-auth-header',
  shopify: 'shopify/throttled',
  github: 'github/rate-limit-headers',
  ion: 'ion/read-only-org',
  restEnvelope: 'rest/sso-required',
  graphqlCodes: 'code/bad-user-input',
};

/** A row of the core's transport table: in every bundle of the classifier, in no profile's. */
const CORE_MARKER = 'UND_ERR_CONNECT_TIMEOUT';

function bundle(name: string, entry = ENTRY): string {
  const out = buildSync({
    stdin: { contents: `export { ${name} } from ${JSON.stringify(entry)};`, resolveDir: __dirname, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    write: false,
    platform: 'neutral',
    external: ['@apollo/client', 'graphql', 'rxjs'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

describe.each(Object.keys(PROFILES))('%s', (name) => {
  const code = bundle(name);
  test('≤ 2 kB min+gz', () => {
    expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(2000);
  });
  test('tree-shakes: no other profile, no core classifier', () => {
    expect(code).toContain(PROFILES[name]);
    for (const [other, marker] of Object.entries(PROFILES)) if (other !== name) expect(code).not.toContain(marker);
    expect(code).not.toContain(CORE_MARKER);
  });
});

test('the marker of the core classifier is in the core', () => {
  expect(bundle('classifyError', join(__dirname, '..', '..', 'index.ts'))).toContain(CORE_MARKER);
});
