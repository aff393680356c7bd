// The auth policy's decisions as an app sees them through AuthRefreshLink: which failures refresh
// and replay, which reach the app (as its own objects), how often the token is read, and which
// refresh failures are reported.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import type { Classification } from '../../classify/types';
import type { ResilienceEvent } from '../../core/events';
import { deferred, unauthorized, type Sink } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const jwt = (expMs: number, sub = 'desk') =>
  `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, exp: Math.floor(expMs / 1000) })}.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw`;
const ok = { data: { po: { id: '1' } } };
const bearer = (request: { context: Record<string, unknown> }) =>
  (request.context.headers as Record<string, string> | undefined)?.Authorization;

const serverError = (status: number, body: unknown) =>
  Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: JSON.stringify(body),
    response: { status, headers: new Headers() },
  });

async function run(link: ApolloLink) {
  const out = execute(link);
  await flush();
  await out.done;
  return out;
}

useFakeTimersAndCheckTeardown();

beforeEach(() => jest.setSystemTime(new Date('2026-11-25T12:00:00Z')));

describe('which failures refresh and replay', () => {
  test('a result with errors that came with an HTTP 401 (graphql-response+json) is refreshed and replayed', async () => {
    let token = 'first-token-00001';
    const s = new ApolloLink(
      (operation) =>
        new Observable((sink: Sink) => {
          const header = (operation.getContext().headers as Record<string, string>).Authorization;
          if (header === 'Bearer first-token-00001') {
            operation.setContext({ response: { status: 401, headers: new Headers() } });
            sink.next({ data: null, errors: [{ message: 'Access denied' }] });
          } else sink.next(ok);
          sink.complete();
        }) as never,
    );
    const refresh = jest.fn(async () => (token = 'second-token-0002'));
    const out = await run(ApolloLink.from([new AuthRefreshLink({ getToken: () => token, refresh }), s]));
    expect(out.next).toEqual([ok]);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  test('the same errors with a 200 are not an auth failure: the result goes on, nothing is refreshed', async () => {
    const result = { data: null, errors: [{ message: 'Access denied' }] };
    const s = scripted((sink) => {
      sink.next(result);
      sink.complete();
    });
    const refresh = jest.fn(async () => 'second-token-0002');
    const out = await run(
      ApolloLink.from([new AuthRefreshLink({ getToken: () => 'first-token-00001', refresh }), s.link]),
    );
    expect(out.next).toEqual([result]);
    expect(refresh).not.toHaveBeenCalled();
  });

  test('a non-refreshable 401: the app gets its own error, classified; one auth-failure event; no refresh', async () => {
    const failure = serverError(401, { errors: [{ message: 'User a@b.c is deactivated' }] });
    const s = scripted((sink) => sink.error(failure));
    const refresh = jest.fn(async () => 'second-token-0002');
    const events: ResilienceEvent[] = [];
    const failures: Classification[] = [];
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'first-token-00001',
          refresh,
          onAuthFailure: (c) => failures.push(c),
          onEvent: (e) => events.push(e),
        }),
        s.link,
      ]),
    );
    expect(out.error).toBe(failure);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'user-deactivated' });
    expect(refresh).not.toHaveBeenCalled();
    expect(failures.map((c) => c.reason)).toEqual(['user-deactivated']);
    expect(events.map((e) => [e.type, (e.classification as Classification | undefined)?.reason])).toEqual([
      ['auth-failure', 'user-deactivated'],
    ]);
  });

  test('a non-refreshable auth error in a result: the result (with its data) goes on, and onAuthFailure hears it', async () => {
    const result = { data: { me: null }, errors: [{ message: 'User a@b.c is deactivated' }] };
    const s = scripted((sink) => {
      sink.next(result);
      sink.complete();
    });
    const failures: Classification[] = [];
    const refresh = jest.fn(async () => 'second-token-0002');
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({ getToken: () => 'first-token-00001', refresh, onAuthFailure: (c) => failures.push(c) }),
        s.link,
      ]),
    );
    expect(out.next).toEqual([result]);
    expect(out.complete).toBe(true);
    expect(failures.map((c) => c.reason)).toEqual(['user-deactivated']);
    expect(refresh).not.toHaveBeenCalled();
  });

  test('after the replay, a result that still says UNAUTHENTICATED goes on with onAuthFailure, no second refresh', async () => {
    const denied = { data: null, errors: [{ message: 'no', extensions: { code: 'UNAUTHENTICATED' } }] };
    const s = scripted((sink) => {
      sink.next(denied);
      sink.complete();
    });
    let token = 'first-token-00001';
    const refresh = jest.fn(async () => (token = 'second-token-0002'));
    const failures: Classification[] = [];
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({ getToken: () => token, refresh, onAuthFailure: (c) => failures.push(c) }),
        s.link,
      ]),
    );
    expect(s.requests.map(bearer)).toEqual(['Bearer first-token-00001', 'Bearer second-token-0002']);
    expect(out.next).toEqual([denied]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(failures).toHaveLength(1);
  });
});

describe('how often the token is read', () => {
  test('an operation that starts while a refresh runs reads getToken once, after it, and sends the new token', async () => {
    const gate = deferred<string>();
    let stored = 'first-token-00001';
    const getToken = jest.fn(() => stored);
    const link = new AuthRefreshLink({ getToken, refresh: () => gate.promise });
    const refreshing = link.tokenManager.refresh('rejected', 'first-token-00001');
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    expect(getToken).not.toHaveBeenCalled();
    expect(s.requests).toHaveLength(0);
    stored = 'second-token-0002';
    gate.resolve('second-token-0002');
    await refreshing;
    await flush();
    await out.done;
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(s.requests.map(bearer)).toEqual(['Bearer second-token-0002']);
  });
});

describe('which refresh failures are reported', () => {
  test('an early (expiring) refresh that a rejected operation then waits for: its failure is reported once', async () => {
    const token = jwt(Date.now() + 60_000);
    const gate = deferred<string>();
    const failures: Classification[] = [];
    const link = new AuthRefreshLink({
      getToken: () => token,
      refresh: () => gate.promise,
      onAuthFailure: (c) => failures.push(c),
    });
    let answerFirst!: () => void;
    const s = scripted((sink: Sink, n) => {
      if (n === 1) answerFirst = () => sink.error(serverError(401, { errors: [{ message: 'Token is expired' }] }));
      else {
        sink.next(ok);
        sink.complete();
      }
    });
    // The first operation goes out while the token is fresh; its answer is held back.
    const rejected = execute(ApolloLink.from([link, s.link]));
    await flush();
    // 31 s later the token is within refreshBeforeExpiryMs: the next operation starts an early refresh,
    // whose failure alone would not be reported (the token is still valid).
    jest.setSystemTime(Date.now() + 31_000);
    const early = execute(ApolloLink.from([link, s.link]));
    await flush();
    // Now the first operation's 401 arrives: it waits for the same refresh, whose failure is its answer.
    answerFirst();
    await flush();
    gate.reject(new Error('idp down'));
    await flush();
    await Promise.all([rejected.done, early.done]);
    expect(getClassifications(rejected.error)[0]).toMatchObject({ reason: 'refresh-failed' });
    expect(early.next).toEqual([ok]);
    expect(failures.map((c) => c.reason)).toEqual(['refresh-failed']);
  });

  test('an early refresh alone that fails is not reported: the still-valid token is sent', async () => {
    const token = jwt(Date.now() + 10_000);
    const failures: Classification[] = [];
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => token,
          refresh: async () => {
            throw new Error('idp down');
          },
          onAuthFailure: (c) => failures.push(c),
        }),
        s.link,
      ]),
    );
    expect(out.next).toEqual([ok]);
    expect(s.requests.map(bearer)).toEqual([`Bearer ${token}`]);
    expect(failures).toEqual([]);
  });

  test('a token that expires exactly now is expired: a failed refresh fails the operation unsent', async () => {
    const expMs = Math.floor(Date.now() / 1000) * 1000 + 60_000;
    jest.setSystemTime(expMs);
    const token = jwt(expMs);
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => token,
          refresh: async () => {
            throw new Error('idp down');
          },
        }),
        s.link,
      ]),
    );
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
  });
});

describe('isAuthError decides which failures refresh, beyond unauthenticated', () => {
  test.each<[string, () => unknown]>([
    ['a failed request (403)', () => serverError(403, { errors: [{ message: 'Token expired' }] })],
    [
      'a result with a FORBIDDEN error',
      () => ({ data: null, errors: [{ message: 'Token expired', extensions: { code: 'FORBIDDEN' } }] }),
    ],
  ])('an API that answers an expired token with 403: %s is refreshed and replayed once', async (_name, failure) => {
    let token = 'old-token-00001';
    const s = scripted((sink, n) => {
      if (n === 1) {
        const f = failure();
        if (f instanceof Error) return sink.error(f);
        sink.next(f as never);
        return sink.complete();
      }
      sink.next(ok);
      sink.complete();
    });
    const refresh = jest.fn(async () => (token = 'new-token-00002'));
    const seen: string[] = [];
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => token,
          refresh,
          isAuthError: (c) => (seen.push(c.category), c.category === 'forbidden'),
        }),
        s.link,
      ]),
    );
    expect(out.next).toEqual([ok]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(s.requests.map(bearer)).toEqual(['Bearer old-token-00001', 'Bearer new-token-00002']);
    expect(seen).toContain('forbidden');
  });

  test('an isAuthError that answers with a promise counts as "no" (reported once), not as a truthy yes', async () => {
    const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const refresh = jest.fn(async () => 'new-token-00002');
    const s = scripted((sink) => sink.error(unauthorized()));
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => 'old-token-00001',
          refresh,
          isAuthError: (async () => false) as unknown as () => boolean,
        }),
        s.link,
      ]),
    );
    expect(refresh).not.toHaveBeenCalled();
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated' });
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('must answer synchronously');
    report.mockRestore();
  });
});

describe('the token source failing', () => {
  test.each<[string, unknown, string]>([
    ['an Error', new Error('storage locked'), 'The access token could not be read: storage locked'],
    ['a string', 'storage locked', 'The access token could not be read: storage locked'],
  ])('getToken throws %s: token-unavailable with its message, nothing sent', async (_name, thrown, message) => {
    const s = scripted((sink) => sink.complete());
    const out = await run(
      ApolloLink.from([
        new AuthRefreshLink({
          getToken: () => {
            throw thrown;
          },
          refresh: async () => 'x',
        }),
        s.link,
      ]),
    );
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-unavailable',
      message,
      retryable: false,
      refreshable: false,
    });
    expect((out.error as { cause?: unknown }).cause).toBe(thrown);
  });

  test('getToken throwing as a replay re-reads the token: token-unavailable, its message redacted, as on the first send', async () => {
    let reads = 0;
    const thrown = new Error('storage broke holding opaque-token-1234');
    const getToken = () => {
      reads += 1;
      if (reads > 1) throw thrown;
      return 'opaque-token-1234';
    };
    const s = scripted((sink) => sink.error(unauthorized()));
    const out = await run(ApolloLink.from([new AuthRefreshLink({ getToken, refresh: async () => 'x' }), s.link]));
    expect(s.requests).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-unavailable',
      message: 'The access token could not be read: storage broke holding [redacted]',
    });
    expect(out.error).not.toBe(thrown);
  });

  test('an empty scheme sends the bare token in the default header', async () => {
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    await run(
      ApolloLink.from([
        new AuthRefreshLink({ getToken: () => 'k-12345678', refresh: async () => 'x', applyToken: { scheme: '' } }),
        s.link,
      ]),
    );
    expect(s.requests.map(bearer)).toEqual(['k-12345678']);
  });

  test('headers: null in the context is replaced by the token header', async () => {
    const s = scripted((sink) => {
      sink.next(ok);
      sink.complete();
    });
    const out = execute(
      ApolloLink.from([new AuthRefreshLink({ getToken: () => 'k-12345678', refresh: async () => 'x' }), s.link]),
      { context: { headers: null } },
    );
    await flush();
    await out.done;
    expect(s.requests[0]!.context.headers).toEqual({ Authorization: 'Bearer k-12345678' });
  });
});

test('the auth events name the operation that caused them', async () => {
  let token = 'first-token-00001';
  const s = scripted((sink: Sink, n) => {
    if (n === 1) sink.error(serverError(401, { errors: [{ message: 'Token is expired' }] }));
    else sink.error(serverError(401, { errors: [{ message: 'User a@b.c is deactivated' }] }));
  });
  const events: ResilienceEvent[] = [];
  await run(
    ApolloLink.from([
      new AuthRefreshLink({
        getToken: () => token,
        refresh: async () => (token = 'second-token-0002'),
        onEvent: (e) => events.push(e),
      }),
      s.link,
    ]),
  );
  expect(events.map((e) => [e.type, e.operationName])).toEqual([
    ['refresh-start', 'Q'],
    ['refresh-success', 'Q'],
    ['auth-failure', 'Q'],
  ]);
});
