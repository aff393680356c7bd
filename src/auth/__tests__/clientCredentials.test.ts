// clientCredentials on its own, against a token endpoint scripted through the injected `fetch`:
// what it sends, when it asks again, and how each failure of the endpoint reaches the app.
import { getClassifications } from '../../classify/getClassifications';
import { knownSecrets } from '../../classify/secrets';
import { useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { clientCredentials, type ClientCredentialsOptions } from '../clientCredentials';

const SECRET = 'client-secret-value-0001';

interface Sent {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: string;
}

type Answer = { status?: number; body?: unknown; text?: () => Promise<string> } | Error;

/** A token endpoint: answers `answers` in turn (the last one repeats) and records every request. */
function endpoint(...answers: Answer[]) {
  const sent: Sent[] = [];
  const fetch = jest.fn(async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    sent.push({
      url: String(url),
      method: init?.method,
      headers: { ...(init?.headers as Record<string, string>) },
      body: String(init?.body),
    });
    const answer = answers[Math.min(sent.length - 1, answers.length - 1)]!;
    if (answer instanceof Error) throw answer;
    const status = answer.status ?? 200;
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body ?? {});
    return {
      ok: status >= 200 && status < 300,
      status,
      headers: new Headers({ 'content-type': 'application/json' }),
      text: answer.text ?? (async () => text),
    } as Response;
  });
  return { fetch: fetch as unknown as typeof globalThis.fetch, sent };
}

/** An `expires_in` of 1e400, which JSON.parse reads as Infinity. */
const OVERFLOW = Symbol('1e400');

const token = (access_token: unknown, expires_in?: unknown) => ({
  body: { access_token, token_type: 'Bearer', ...(expires_in !== undefined ? { expires_in } : {}) },
});

function source(fetch: typeof globalThis.fetch, options: Partial<ClientCredentialsOptions> = {}) {
  return clientCredentials({
    tokenUrl: 'https://id.example/oauth/token',
    clientId: 'service-a',
    clientSecret: SECRET,
    fetch,
    ...options,
  });
}

const failureOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return { error: error as Error, classification: getClassifications(error)[0]! };
};

useFakeTimersAndCheckTeardown();

describe('clientCredentials: the token request', () => {
  test('a form POST (RFC 6749) with the grant, the client and nothing optional', async () => {
    const { fetch, sent } = endpoint(token('access-token-000001'));
    await expect(source(fetch).getToken()).resolves.toBe('access-token-000001');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      url: 'https://id.example/oauth/token',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `grant_type=client_credentials&client_id=service-a&client_secret=${SECRET}`,
    });
  });

  test.each<[string, Partial<ClientCredentialsOptions>, Record<string, string>]>([
    ['scope', { scope: 'read write' }, { scope: 'read write' }],
    ['audience', { audience: 'https://api.example' }, { audience: 'https://api.example' }],
    ['both', { scope: 's', audience: 'a' }, { scope: 's', audience: 'a' }],
    ['an empty scope and audience are not sent', { scope: '', audience: '' }, {}],
  ])('%s', async (_name, options, extra) => {
    const { fetch, sent } = endpoint(token('access-token-000001'));
    await source(fetch, options).getToken();
    expect(Object.fromEntries(new URLSearchParams(sent[0]!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: 'service-a',
      client_secret: SECRET,
      ...extra,
    });
  });

  test("bodyFormat 'json' sends the same parameters as JSON", async () => {
    const { fetch, sent } = endpoint(token('access-token-000001'));
    await source(fetch, { bodyFormat: 'json', scope: 'read' }).getToken();
    expect(sent[0]!.headers).toEqual({ 'content-type': 'application/json', accept: 'application/json' });
    expect(JSON.parse(sent[0]!.body)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'service-a',
      client_secret: SECRET,
      scope: 'read',
    });
  });

  test('without `fetch`, the global fetch is used', async () => {
    const { fetch, sent } = endpoint(token('access-token-000001'));
    const original = globalThis.fetch;
    globalThis.fetch = fetch;
    try {
      const tokens = clientCredentials({ tokenUrl: 'https://id.example/t', clientId: 'c', clientSecret: SECRET });
      await expect(tokens.getToken()).resolves.toBe('access-token-000001');
    } finally {
      globalThis.fetch = original;
    }
    expect(sent.map((s) => s.url)).toEqual(['https://id.example/t']);
  });

  test('the client secret and every token are remembered for redaction', async () => {
    const { fetch } = endpoint(token('access-token-remember-1'));
    await source(fetch).getToken();
    expect(knownSecrets()).toEqual(expect.arrayContaining([SECRET, 'access-token-remember-1']));
  });
});

describe('clientCredentials: a token endpoint that does not answer', () => {
  test('the request is aborted after timeoutMs and fails network/timeout; the next call asks again', async () => {
    let signal: AbortSignal | undefined;
    let calls = 0;
    const fetch = jest.fn((_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      calls += 1;
      if (calls === 1) {
        signal = init?.signal ?? undefined;
        return new Promise(() => undefined); // ignores its signal: never settles
      }
      return Promise.resolve({
        ok: true,
        status: 200,
        headers: new Headers(),
        text: async () => JSON.stringify({ access_token: 'access-token-000002' }),
      } as Response);
    });
    const tokens = source(fetch as unknown as typeof globalThis.fetch);
    const first = failureOf(tokens.getToken());
    await jest.advanceTimersByTimeAsync(19_999);
    expect(signal?.aborted).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(signal?.aborted).toBe(true);
    expect(getClassifications(await first)[0]).toMatchObject({
      category: 'network',
      reason: 'timeout',
      message: 'The token endpoint did not answer within 20000 ms',
      retryable: true,
      refreshable: false,
    });
    await expect(tokens.getToken()).resolves.toBe('access-token-000002');
    expect(calls).toBe(2);
  });

  test.each([NaN, -1, null])(
    'timeoutMs %s (Number() of an unset variable…): the 20 s default, not an instant failure',
    async (timeoutMs) => {
      const { fetch } = endpoint(token('access-token-000001', 3600));
      const slow = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return fetch(url, init);
      });
      const got = source(slow as unknown as typeof globalThis.fetch, { timeoutMs: timeoutMs as number }).getToken();
      await jest.advanceTimersByTimeAsync(100);
      await expect(got).resolves.toBe('access-token-000001');
    },
  );

  test('timeoutMs moves the bound; an answer in time clears the timer', async () => {
    const { fetch } = endpoint(token('access-token-000001', 3600));
    await expect(source(fetch, { timeoutMs: 5 }).getToken()).resolves.toBe('access-token-000001');
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('clientCredentials: when it asks the endpoint again', () => {
  test('concurrent getToken and refresh calls share one request', async () => {
    const { fetch, sent } = endpoint(token('access-token-000001', 3600));
    const tokens = source(fetch);
    const all = await Promise.all([tokens.getToken(), tokens.getToken(), tokens.refresh(), tokens.getToken()]);
    expect(all).toEqual(Array(4).fill('access-token-000001'));
    expect(sent).toHaveLength(1);
  });

  test.each<[string, unknown, number, number]>([
    // [name, expires_in, ms later, requests in total after a second getToken]
    ['cached while more than earlyRefreshMs is left', 3600, 3_600_000 - 30_001, 1],
    ['asked again once only earlyRefreshMs is left', 3600, 3_600_000 - 30_000, 2],
    ['asked again after expiry', 60, 61_000, 2],
    ['no expires_in: cached for good', undefined, 365 * 24 * 3_600_000, 1],
    ['an expires_in sent as a string (Azure AD v1 sends "3599"): seconds all the same', '3600', 3_600_000 - 30_000, 2],
    ['an expires_in that is no number at all: cached for good', 'soon', 365 * 24 * 3_600_000, 1],
    ['a negative expires_in is no expiry', -5, 365 * 24 * 3_600_000, 1],
    ['a short-lived token (20 s, under earlyRefreshMs) is reused for half its life', 20, 9_999, 1],
    ['a short-lived token is asked again after half its life', 20, 10_000, 2],
    ['an expires_in overflowing to Infinity (1e400 in JSON) is no expiry', OVERFLOW, 365 * 24 * 3_600_000, 1],
  ])('%s', async (_name, expiresIn, laterMs, requests) => {
    const body =
      expiresIn === OVERFLOW
        ? '{"access_token":"access-token-000001","expires_in":1e400}'
        : JSON.stringify(token('access-token-000001', expiresIn).body);
    const { fetch, sent } = endpoint({ body }, token('access-token-000002', 3600));
    const tokens = source(fetch);
    await expect(tokens.getToken()).resolves.toBe('access-token-000001');
    jest.setSystemTime(Date.now() + laterMs);
    await expect(tokens.getToken()).resolves.toBe(requests === 1 ? 'access-token-000001' : 'access-token-000002');
    expect(sent).toHaveLength(requests);
  });

  test('earlyRefreshMs moves the point at which a cached token is replaced', async () => {
    const { fetch, sent } = endpoint(token('access-token-000001', 100), token('access-token-000002', 100));
    const tokens = source(fetch, { earlyRefreshMs: 5_000 });
    await tokens.getToken();
    jest.setSystemTime(Date.now() + 94_999);
    await expect(tokens.getToken()).resolves.toBe('access-token-000001');
    jest.setSystemTime(Date.now() + 1);
    await expect(tokens.getToken()).resolves.toBe('access-token-000002');
    expect(sent).toHaveLength(2);
  });

  test.each<[string, { failedToken?: string } | undefined, number]>([
    ['the rejected token is the cached one: a new request', { failedToken: 'access-token-000001' }, 2],
    ['no rejected token named: a new request', undefined, 2],
    ['an empty context: a new request', {}, 2],
    ['an older token was rejected: the cached (newer) one, no request', { failedToken: 'older-token-000000' }, 1],
  ])('refresh: %s', async (_name, context, requests) => {
    const { fetch, sent } = endpoint(token('access-token-000001', 3600), token('access-token-000002', 3600));
    const tokens = source(fetch);
    await tokens.getToken();
    await expect(tokens.refresh(context)).resolves.toBe(requests === 1 ? 'access-token-000001' : 'access-token-000002');
    expect(sent).toHaveLength(requests);
    // After a new request, getToken has the new token without asking again.
    await expect(tokens.getToken()).resolves.toBe(requests === 1 ? 'access-token-000001' : 'access-token-000002');
    expect(sent).toHaveLength(requests);
  });

  test('refresh for an older token while the cached one is about to expire: a new request', async () => {
    const { fetch, sent } = endpoint(token('access-token-000001', 60), token('access-token-000002', 60));
    const tokens = source(fetch);
    await tokens.getToken();
    jest.setSystemTime(Date.now() + 30_000);
    await expect(tokens.refresh({ failedToken: 'older-token-000000' })).resolves.toBe('access-token-000002');
    expect(sent).toHaveLength(2);
  });

  test('a failed request is not cached: the next call asks again', async () => {
    const { fetch, sent } = endpoint({ status: 503, body: 'down' }, token('access-token-000001', 3600));
    const tokens = source(fetch);
    await failureOf(tokens.getToken());
    await expect(tokens.getToken()).resolves.toBe('access-token-000001');
    expect(sent).toHaveLength(2);
  });
});

describe('clientCredentials: failures are classified, with the secret redacted', () => {
  test.each<[string, Answer, Record<string, unknown>]>([
    [
      'invalid_client (401)',
      { status: 401, body: { error: 'invalid_client', error_description: `bad secret ${SECRET}` } },
      { category: 'unauthenticated', reason: 'invalid-client', retryable: false, refreshable: false },
    ],
    [
      'unsupported_grant_type (400)',
      { status: 400, body: { error: 'unsupported_grant_type' } },
      { category: 'bad-request', retryable: false },
    ],
    ['a 503 from the endpoint', { status: 503, body: `busy ${SECRET}` }, { category: 'server', retryable: true }],
    [
      'a 200 without access_token',
      { body: { token_type: 'Bearer' } },
      {
        category: 'bad-request',
        reason: 'invalid-token-response',
        message: 'The token endpoint answered without an access_token',
        remediation: 'Check the tokenUrl: it must be an OAuth 2.0 token endpoint.',
        retryable: false,
        refreshable: false,
      },
    ],
    [
      'a 200 with an empty access_token',
      token(''),
      { category: 'bad-request', reason: 'invalid-token-response', retryable: false },
    ],
    [
      'a 200 with a numeric access_token',
      token(12345678),
      { category: 'bad-request', reason: 'invalid-token-response', retryable: false },
    ],
    [
      'a 200 whose body is not JSON',
      { body: '<html>login</html>' },
      { category: 'bad-request', reason: 'invalid-token-response' },
    ],
    ['a 200 whose body is JSON null', { body: 'null' }, { category: 'bad-request', reason: 'invalid-token-response' }],
    [
      'a 200 whose body is a JSON string',
      { body: '"token"' },
      { category: 'bad-request', reason: 'invalid-token-response' },
    ],
    [
      'a 200 whose body cannot be read',
      {
        text: async () => {
          throw new Error('stream broke');
        },
      },
      { category: 'bad-request', reason: 'invalid-token-response' },
    ],
  ])('%s', async (_name, answer, expected) => {
    const { fetch } = endpoint(answer);
    const { error, classification } = await failureOf(source(fetch).getToken());
    expect(classification).toMatchObject(expected);
    expect(JSON.stringify(classification)).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET);
  });

  test('a failed response whose body cannot be read is classified as one with an empty body', async () => {
    const unreadable = endpoint({
      status: 503,
      text: async () => {
        throw new Error('stream broke');
      },
    });
    const empty = endpoint({ status: 503, body: '' });
    const [a, b] = await Promise.all([
      failureOf(source(unreadable.fetch).getToken()),
      failureOf(source(empty.fetch).getToken()),
    ]);
    expect(a.classification).toEqual(b.classification);
    expect(a.classification).toMatchObject({ category: 'server', retryable: true });
  });

  test('the endpoint unreachable: a network failure, retryable, with the cause kept and the secret redacted', async () => {
    const cause = Object.assign(new TypeError(`fetch failed for ${SECRET}`), { cause: { code: 'ECONNREFUSED' } });
    const { fetch } = endpoint(cause);
    const { error, classification } = await failureOf(source(fetch).refresh());
    expect(classification).toMatchObject({ category: 'network', retryable: true });
    expect((error as { cause?: unknown }).cause).toBe(cause);
    expect(classification.message).not.toContain(SECRET);
    expect(error.message).not.toContain(SECRET);
  });
});
