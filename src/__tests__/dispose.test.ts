// Issue #14 point 8: dispose() on every link and on createResilienceLink's result. Running
// operations end with a clear error and leave no timer, request or listener behind; later
// operations fail the same way without reaching the network.
import { ApolloLink } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { AuthRefreshLink } from '../auth/AuthRefreshLink';
import type { BroadcastChannelLike, LockManagerLike } from '../auth/crossTab';
import { getClassifications } from '../classify/getClassifications';
import { createResilienceLink } from '../createResilienceLink';
import { EtagConflictLink } from '../etag/EtagConflictLink';
import { RetryBackoffLink } from '../retry/RetryBackoffLink';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';
import { answer, hanging, server, serverError, unauthorized, type Sink } from '../__testUtils__/fixtures';

const ok = { data: { po: { id: '1' } } };
const disposed = (error: unknown) =>
  expect(getClassifications(error)[0]).toMatchObject({
    category: 'unknown',
    reason: 'link-disposed',
    retryable: false,
  });

useFakeTimersAndCheckTeardown();

describe('RetryBackoffLink.dispose()', () => {
  test('an operation waiting for its backoff fails at once; its timer is cleared; later operations fail unsent', async () => {
    const s = server([serverError(503), ok]);
    const retry = new RetryBackoffLink({ jitter: false });
    const chain = ApolloLink.from([retry, s.link]);
    const waiting = execute(chain);
    await flush();
    expect(jest.getTimerCount()).toBe(1); // the backoff
    retry.dispose();
    await flush();
    disposed(waiting.error);
    expect(jest.getTimerCount()).toBe(0);
    const later = execute(chain);
    await flush();
    disposed(later.error);
    expect(s.requests).toHaveLength(1);
    retry.dispose(); // idempotent
  });

  test('an attempt in flight is cancelled (the request is torn down)', async () => {
    const s = hanging();
    const retry = new RetryBackoffLink();
    const out = execute(ApolloLink.from([retry, s.link]));
    await flush();
    retry.dispose();
    await flush();
    disposed(out.error);
    expect(s.teardowns.count).toBe(1);
  });

  test('a finished operation is not touched', async () => {
    const retry = new RetryBackoffLink();
    const out = execute(ApolloLink.from([retry, server([ok]).link]));
    await flush();
    await out.done;
    retry.dispose();
    expect(out.error).toBeUndefined();
    expect(out.complete).toBe(true);
  });
});

describe('AuthRefreshLink.dispose()', () => {
  test('operations waiting for a refresh fail and are never sent; the refresh timeout is cleared', async () => {
    const s = scripted((sink: Sink) => sink.error(unauthorized()));
    const auth = new AuthRefreshLink({
      getToken: () => 'token-old-12345',
      refresh: () => new Promise<string>(() => undefined),
    });
    const first = execute(ApolloLink.from([auth, s.link]), { variables: { id: '1' } });
    await flush();
    const queued = execute(ApolloLink.from([auth, s.link]), { variables: { id: '2' } });
    await flush();
    expect(jest.getTimerCount()).toBe(1); // refreshTimeoutMs
    auth.dispose();
    await flush();
    disposed(first.error);
    disposed(queued.error);
    expect(s.requests).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
    const later = execute(ApolloLink.from([auth, s.link]), { context: { auth: false } });
    await flush();
    disposed(later.error);
  });

  test('closes the cross-tab channel and abandons a pending lock request', async () => {
    const closed: string[] = [];
    const listeners = new Set<unknown>();
    const channel: BroadcastChannelLike = {
      postMessage: () => undefined,
      addEventListener: (_t, l) => void listeners.add(l),
      removeEventListener: (_t, l) => void listeners.delete(l),
      close: () => void closed.push('channel'),
    };
    let aborted = false;
    const locks: LockManagerLike = {
      request: (_n, options) =>
        new Promise((_, reject) =>
          options.signal?.addEventListener('abort', () => {
            aborted = true;
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          }),
        ),
    };
    const refresh = jest.fn(async () => 'token-new-12345');
    const auth = new AuthRefreshLink({
      getToken: () => 'token-old-12345',
      refresh,
      crossTab: { locks, createChannel: () => channel },
    });
    const out = execute(ApolloLink.from([auth, scripted((sink: Sink) => sink.error(unauthorized())).link]));
    await flush();
    expect(listeners.size).toBe(1);
    auth.dispose();
    await flush();
    disposed(out.error);
    expect(aborted).toBe(true);
    expect(closed).toEqual(['channel']);
    expect(listeners.size).toBe(0);
    expect(refresh).not.toHaveBeenCalled(); // an abandoned lock is not a reason to refresh after dispose
  });
});

describe('EtagConflictLink.dispose()', () => {
  const UPDATE = parse('mutation UpdatePo($input: PoInput!) { updatePo(input: $input) { id _etag notes } }');
  const READ = parse('query Po($id: ID!) { po(id: $id) { id _etag notes } }');
  test('an operation waiting for onConflict fails; the decision timer is cleared', async () => {
    const s = scripted((sink: Sink, _n, operation) => {
      if (operation.operationName === 'Po')
        return answer(sink, { data: { po: { id: '1', _etag: 'e2', notes: 'theirs' } } });
      sink.error(
        Object.assign(serverError(409), { bodyText: JSON.stringify({ errors: [{ message: 'etag mismatch' }] }) }),
      );
    });
    const etag = new EtagConflictLink({
      mutations: { UpdatePo: { reread: () => ({ query: READ, variables: { id: '1' } }) } },
      onConflict: () => new Promise(() => undefined),
    });
    const cache = { readQuery: () => ({ po: { id: '1', _etag: 'e1', notes: 'base' } }), writeQuery: () => undefined };
    const out = execute(
      ApolloLink.from([etag, s.link]),
      { query: UPDATE, operationName: 'UpdatePo', variables: { input: { id: '1', _etag: 'e1', notes: 'mine' } } },
      { cache },
    );
    await flush(6);
    expect(jest.getTimerCount()).toBe(1); // decisionTimeoutMs
    etag.dispose();
    await flush();
    disposed(out.error);
    expect(s.requests).toHaveLength(2);
  });
});

describe('createResilienceLink(...).dispose()', () => {
  test('a fast-path attempt in flight is torn down and fails; later operations fail unsent', async () => {
    const s = hanging();
    const link = createResilienceLink({
      auth: { getToken: () => 'token-aaaa-1111', refresh: async () => 'token-bbbb-2222' },
    });
    const out = execute(link.concat(s.link));
    await flush();
    expect(jest.getTimerCount()).toBe(1); // the attempt timeout
    link.dispose();
    await flush();
    disposed(out.error);
    expect(s.teardowns.count).toBe(1);
    const later = execute(link.concat(s.link), { context: { retry: false, auth: false } });
    await flush();
    disposed(later.error);
    expect(s.requests).toHaveLength(1);
  });

  test('an operation handed to the links (in its backoff) fails, and the inner links are disposed', async () => {
    const s = server([serverError(503), ok]);
    const link = createResilienceLink({ retry: { jitter: false } });
    const out = execute(link.concat(s.link));
    await flush();
    expect(jest.getTimerCount()).toBe(1);
    link.dispose();
    await flush();
    disposed(out.error);
    expect(s.requests).toHaveLength(1);
  });

  test("closes the auth link's cross-tab channel", async () => {
    const closed: string[] = [];
    const channel: BroadcastChannelLike = {
      postMessage: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      close: () => void closed.push('channel'),
    };
    const locks: LockManagerLike = { request: (_n, _o, callback) => callback() };
    const link = createResilienceLink({
      auth: {
        getToken: () => 'token-aaaa-1111',
        refresh: async () => 'token-bbbb-2222',
        crossTab: { locks, createChannel: () => channel },
      },
    });
    link.dispose();
    expect(closed).toEqual(['channel']);
  });
});
