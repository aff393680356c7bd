// A disposed link's error names the link, so an app with several clients knows which one it used.
import type { ApolloLink } from '@apollo/client/core/index.js';
import { AuthRefreshLink } from '../auth/AuthRefreshLink';
import { ErrorClassifyLink } from '../classify/ErrorClassifyLink';
import { getClassifications } from '../classify/getClassifications';
import { createResilienceLink } from '../createResilienceLink';
import { EtagConflictLink } from '../etag/EtagConflictLink';
import { RetryBackoffLink } from '../retry/RetryBackoffLink';
import { server } from '../__testUtils__/fixtures';
import { execute, flush, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';

useFakeTimersAndCheckTeardown();

test.each<[string, () => ApolloLink & { dispose(): void }]>([
  ['ErrorClassifyLink', () => new ErrorClassifyLink()],
  ['RetryBackoffLink', () => new RetryBackoffLink()],
  ['AuthRefreshLink', () => new AuthRefreshLink({ getToken: () => 'token-aaaaaaaa', refresh: async () => 'x' })],
  ['EtagConflictLink', () => new EtagConflictLink({ mutations: {} })],
  ['createResilienceLink', () => createResilienceLink()],
])('%s: an operation after dispose() fails with an error that names the link', async (name, create) => {
  const link = create();
  link.dispose();
  const s = server([{ data: { po: { id: '1' } } }]);
  const out = execute(link.concat(s.link));
  await flush();
  expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unknown', reason: 'link-disposed' });
  expect((out.error as Error).message).toBe(`${name} was disposed; operations can no longer run through it.`);
  expect(s.requests).toHaveLength(0);
});
