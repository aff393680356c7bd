// Issue #14 point 4: every user callback can throw or hang; no operation may hang or crash the
// process because of it. One case per callback: the operation still settles (and the harness
// checks that no timer survives it).
import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { AuthRefreshLink } from '../auth/AuthRefreshLink';
import { getClassifications } from '../classify/getClassifications';
import { createResilienceLink } from '../createResilienceLink';
import { EtagConflictLink } from '../etag/EtagConflictLink';
import type { ResilienceEvent } from '../events';
import { RetryBackoffLink } from '../retry/RetryBackoffLink';
import {
  MUTATION,
  execute,
  flush,
  scripted,
  useFakeTimersAndCheckTeardown,
  type Observed,
} from '../__testUtils__/harness';
import { answer, conflict409, noJitter, server, serverError, unauthorized } from '../__testUtils__/fixtures';

const ok = { data: { po: { id: '1' } } };
/** A new throwing callback each time (a listener is reported once per function). */
const boom = () => (): never => {
  throw new Error('callback bug');
};
const never = <T>() => new Promise<T>(() => undefined);

const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag notes } }');
const READ = parse('query Po($id: ID!) { po(id: $id) { id _etag notes } }');
const etagMismatch = () => conflict409('etag mismatch');
/** A 409 for the stale etag, the entity for the re-read, success for the new etag. */
const etagServer = () =>
  scripted((sink, _n, operation) => {
    if (operation.operationName === 'Po')
      return answer(sink, { data: { po: { id: '1', _etag: 'e2', notes: 'theirs' } } });
    const input = operation.variables.input as { _etag: string };
    answer(sink, input._etag === 'e2' ? { data: { updatePo: { id: '1', _etag: 'e3', notes: 'x' } } } : etagMismatch());
  });
const etagRequest = {
  query: UPDATE,
  operationName: 'UpdatePo',
  variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } },
};
const cacheWith = (notes: string) => ({
  cache: { readQuery: () => ({ po: { id: '1', _etag: 'e1', notes } }), writeQuery: () => undefined },
});
const reread = (op: { variables: Record<string, unknown> }) => ({
  query: READ,
  variables: { id: (op.variables.input as { id: string }).id },
});

let report: jest.SpyInstance;
beforeEach(() => {
  report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => report.mockRestore());
useFakeTimersAndCheckTeardown();

/** Runs until the operation settles; fails the test if it is still open after `ms` of fake time. */
async function settles(out: Observed, ms = 0): Promise<Observed> {
  await flush();
  if (ms > 0) await jest.advanceTimersByTimeAsync(ms);
  await flush();
  const settled = out.complete || out.error !== undefined;
  if (!settled) out.unsubscribe();
  expect(settled).toBe(true);
  return out;
}

describe('RetryBackoffLink callbacks', () => {
  test('onCircuitChange throws: the operation that opened the circuit still fails, and later ones fail fast', async () => {
    const s = server([serverError(503)]);
    const link = ApolloLink.from([
      new RetryBackoffLink({
        maxAttempts: 1,
        budget: false,
        circuitBreaker: { failures: 1, windowMs: 10_000, cooldownMs: 5000 },
        onCircuitChange: boom(),
      }),
      s.link,
    ]);
    const first = await settles(execute(link));
    expect(getClassifications(first.error)[0]).toMatchObject({ category: 'server' });
    const second = await settles(execute(link));
    expect(getClassifications(second.error)[0]).toMatchObject({ reason: 'circuit-open' });
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('onCircuitChange');
    await jest.advanceTimersByTimeAsync(60_000); // the breaker's own timers, if any
  });

  test.each([
    ['onRetry', { onRetry: boom() }],
    ['onGiveUp', { onGiveUp: boom() }],
    ['onEvent', { onEvent: boom() }],
    ['onEvent (rejecting)', { onEvent: () => Promise.reject(new Error('async bug')) as unknown as void }],
  ])('%s throws: the operation is still retried and settles', async (_name, callbacks) => {
    const s = server([serverError(503), serverError(503)]);
    const out = await settles(
      execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, maxAttempts: 2, ...callbacks }), s.link])),
      1000,
    );
    expect(s.requests).toHaveLength(2);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'server' });
    expect(report).toHaveBeenCalledTimes(1);
  });

  test('retryIf never answers: not retried after attemptTimeoutMs', async () => {
    const s = server([serverError(503), ok]);
    const out = await settles(
      execute(
        ApolloLink.from([
          new RetryBackoffLink({ ...noJitter, attemptTimeoutMs: 2000, retryIf: () => never<boolean>() }),
          s.link,
        ]),
      ),
      2000,
    );
    expect(s.requests).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'server' });
  });

  test('retryIf never answers and the operation is unsubscribed: no timer is left', async () => {
    const s = server([serverError(503)]);
    const out = execute(
      ApolloLink.from([new RetryBackoffLink({ ...noJitter, retryIf: () => never<boolean>() }), s.link]),
    );
    await flush();
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('idempotencyKey.generate throws: the mutation fails with a classified error, unsent', async () => {
    const s = server([ok]);
    const out = await settles(
      execute(ApolloLink.from([new RetryBackoffLink({ idempotencyKey: { generate: boom() } }), s.link]), {
        query: MUTATION,
      }),
    );
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unknown', reason: 'link-error' });
  });
});

describe('AuthRefreshLink callbacks', () => {
  const link = (options: Partial<AuthRefreshLink.Options>, answers: unknown[] = [ok]) => {
    const s = server(answers);
    return {
      s,
      link: ApolloLink.from([
        new AuthRefreshLink({ getToken: () => 'token-aaaa-1111', refresh: async () => 'token-bbbb-2222', ...options }),
        s.link,
      ]),
    };
  };

  test('getToken throws: unauthenticated / token-unavailable, nothing sent', async () => {
    const { s, link: l } = link({ getToken: boom() });
    const out = await settles(execute(l));
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-unavailable',
    });
  });

  test('getToken never answers: token-timeout after refreshTimeoutMs, nothing sent', async () => {
    const { s, link: l } = link({ getToken: () => never<string>(), refreshTimeoutMs: 3000 });
    const out = await settles(execute(l), 3000);
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'token-timeout' });
  });

  test('getToken never answers and the operation is unsubscribed: no timer is left', async () => {
    const { link: l } = link({ getToken: () => never<string>() });
    const out = execute(l);
    await flush();
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('refresh throws synchronously: refresh-failed', async () => {
    const { link: l } = link({ refresh: boom() }, [unauthorized()]);
    const out = await settles(execute(l));
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
  });

  test('refresh never answers: refresh-timeout', async () => {
    const { link: l } = link({ refresh: () => never<string>(), refreshTimeoutMs: 3000 }, [unauthorized()]);
    const out = await settles(execute(l), 3000);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'refresh-timeout' });
  });

  test.each([
    ['onAuthFailure', { onAuthFailure: boom() }],
    ['onEvent', { onEvent: boom() }],
  ])('%s throws: the refresh, the replay and the failure still settle', async (_name, callbacks) => {
    const { s, link: l } = link({ ...callbacks }, [unauthorized()]);
    const out = await settles(execute(l));
    expect(s.requests).toHaveLength(2); // replayed once with the new token, rejected again
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated' });
    expect(report).toHaveBeenCalledTimes(1);
  });

  test('isAuthError throws: counts as "not an auth error", the failure goes on', async () => {
    const { s, link: l } = link({ isAuthError: boom() }, [unauthorized()]);
    const out = await settles(execute(l));
    expect(s.requests).toHaveLength(1);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unauthenticated' });
    expect(report).toHaveBeenCalledTimes(1);
  });

  test('isAuthError throws on a result with errors: the result goes on', async () => {
    const result = { data: null, errors: [{ message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } }] };
    const { link: l } = link({ isAuthError: boom() }, [result]);
    const out = await settles(execute(l));
    expect(out.complete).toBe(true);
    expect(out.next).toEqual([result]);
  });

  test('applyToken throws: a classified error, nothing sent', async () => {
    const { s, link: l } = link({ applyToken: boom() });
    const out = await settles(execute(l));
    expect(s.requests).toHaveLength(0);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'link-error' });
  });

  test('the token never appears in the report of a throwing listener', async () => {
    const { link: l } = link(
      {
        onAuthFailure: () => {
          throw new Error('cannot log out with Bearer token-bbbb-2222');
        },
      },
      [unauthorized()],
    );
    await settles(execute(l));
    expect(report).toHaveBeenCalledTimes(1);
    expect(JSON.stringify(report.mock.calls)).not.toContain('token-bbbb-2222');
  });
});

describe('EtagConflictLink callbacks', () => {
  const run = (
    options: Partial<EtagConflictLink.Options>,
    config: Partial<EtagConflictLink.MutationConfig> = {},
    client: object = cacheWith('base'),
  ) => {
    const s = etagServer();
    const out = execute(
      ApolloLink.from([new EtagConflictLink({ mutations: { UpdatePo: { reread, ...config } }, ...options }), s.link]),
      etagRequest,
      client,
    );
    return { s, out };
  };

  test('reread throws: a classified error', async () => {
    const { out } = run({}, { reread: boom() });
    await settles(out);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'link-error' });
  });

  test('reapply throws: a classified error', async () => {
    const { out } = run({}, { reapply: boom() });
    await settles(out);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'link-error' });
  });

  test.each([
    ['reapply', {}, { reapply: () => never<'abort'>() }],
    ['onConflict', { onConflict: () => never<'abort'>() }, {}],
  ])('%s never answers: conflict / decision-timeout after decisionTimeoutMs', async (_name, options, config) => {
    const { s, out } = run({ ...options, decisionTimeoutMs: 4000 }, config);
    await settles(out, 4000);
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'conflict', reason: 'decision-timeout' });
    expect(s.requests).toHaveLength(2); // the mutation and the re-read; nothing re-sent
  });

  test('onConflict never answers and the operation is unsubscribed: no timer is left', async () => {
    const { out } = run({ onConflict: () => never<'abort'>() });
    await flush();
    out.unsubscribe();
    expect(jest.getTimerCount()).toBe(0);
  });

  test('onConflict throws: a classified error', async () => {
    const { out } = run({ onConflict: boom() });
    await settles(out);
    expect(getClassifications(out.error)[0]).toMatchObject({ reason: 'link-error' });
  });

  test('onEvent throws: the conflict is still resolved', async () => {
    const { out } = run({ onEvent: boom() }, {}, cacheWith('mine'));
    await settles(out);
    expect(out.complete).toBe(true);
    expect(report).toHaveBeenCalledTimes(1);
  });
});

describe('createResilienceLink onEvent', () => {
  test('a throwing link listener neither fails the operation nor keeps the event from onEvent', async () => {
    const events: ResilienceEvent[] = [];
    const s = server([serverError(503), ok]);
    const out = execute(
      createResilienceLink({ retry: { ...noJitter, onEvent: boom() }, onEvent: (e) => events.push(e) }).concat(s.link),
    );
    await settles(out, 1000);
    expect(out.next).toEqual([ok]);
    expect(events.map((e) => e.type)).toEqual(['retry']);
  });

  test('a throwing listener is reported once, however often it throws', async () => {
    const s = server([serverError(503), serverError(503), serverError(503), ok]);
    const out = execute(createResilienceLink({ retry: noJitter, onEvent: boom() }).concat(s.link));
    await settles(out, 10_000);
    expect(s.requests).toHaveLength(4);
    expect(report).toHaveBeenCalledTimes(1);
  });
});
