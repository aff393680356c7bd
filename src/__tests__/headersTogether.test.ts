// The headers every policy sets reach the request together: the retry policy's Idempotency-Key,
// the auth policy's Authorization, and the app's own headers — on the first attempt and on a retry.
// (A policy that rebuilt the headers from a context read before another policy wrote them would
// drop the key: the server then applies a re-sent mutation twice.)
import { createResilienceLink } from '../createResilienceLink';
import { MUTATION, QUERY, execute, scripted, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';

useFakeTimersAndCheckTeardown();

const headersOf = (request: { context: Record<string, unknown> }) =>
  (request.context.headers ?? {}) as Record<string, string>;

describe('headers set by different policies travel together', () => {
  test.each([
    ['with auth and retry', true],
    ['with retry only', false],
  ])('%s: a keyed mutation carries its key and the token on every attempt', async (_name, withAuth) => {
    const s = scripted((sink, attempt) => {
      if (attempt === 1)
        sink.error(
          Object.assign(new Error('Service Unavailable'), {
            name: 'ServerError',
            statusCode: 503,
            bodyText: '',
            response: { status: 503, headers: new Headers() },
          }),
        );
      else {
        sink.next({ data: { updatePo: { id: '1' } } });
        sink.complete();
      }
    });
    const link = createResilienceLink({
      retry: {
        idempotencyKey: { header: 'Idempotency-Key', generate: () => 'key-1' },
        jitter: false,
        initialDelayMs: 10,
      },
      ...(withAuth ? { auth: { getToken: () => 'token-aaaaaaaa', refresh: async () => 'token-bbbbbbbb' } } : {}),
    }).concat(s.link);
    const out = execute(link, { query: MUTATION, variables: { id: '1' }, context: { headers: { 'x-app': 'desk' } } });
    await jest.advanceTimersByTimeAsync(50);
    await out.done;
    expect(out.complete).toBe(true);
    expect(s.requests).toHaveLength(2);
    for (const request of s.requests) {
      const headers = headersOf(request);
      expect(headers['Idempotency-Key']).toBe('key-1');
      expect(headers['x-app']).toBe('desk');
      expect(headers.Authorization).toBe(withAuth ? 'Bearer token-aaaaaaaa' : undefined);
    }
  });

  test("a query carries the token and the app's headers, and no key", async () => {
    const s = scripted((sink) => {
      sink.next({ data: { po: { id: '1' } } });
      sink.complete();
    });
    const link = createResilienceLink({
      retry: { idempotencyKey: true },
      auth: { getToken: () => 'token-aaaaaaaa', refresh: async () => 'token-bbbbbbbb' },
    }).concat(s.link);
    const out = execute(link, { query: QUERY, variables: { id: '1' }, context: { headers: { 'x-app': 'desk' } } });
    await jest.advanceTimersByTimeAsync(0);
    await out.done;
    expect(headersOf(s.requests[0]!)).toEqual({ 'x-app': 'desk', Authorization: 'Bearer token-aaaaaaaa' });
  });
});
