import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { createResilienceLink } from '../../createResilienceLink';
import { deferred, unauthorized, type Sink } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { AuthRefreshLink } from '../AuthRefreshLink';
import { TokenManager } from '../TokenManager';

const ok = { data: { po: { id: '1' } } };

/** A server that accepts only `valid()` tokens; records the token of every request. */
function authServer(valid: () => string | undefined) {
  const sent: Array<string | undefined> = [];
  const s = scripted((sink: Sink, _n, operation) => {
    const header = (operation.getContext().headers as Record<string, string> | undefined)?.Authorization;
    const token = header?.replace(/^Bearer /, '');
    sent.push(token);
    if (token !== undefined && token === valid()) {
      sink.next(ok);
      sink.complete();
    } else sink.error(unauthorized());
  });
  return { ...s, sent };
}

async function run(link: ApolloLink, id: string) {
  const out = execute(link, { variables: { id } });
  await flush();
  await out.done;
  return out;
}

useFakeTimersAndCheckTeardown();

describe('TokenManager', () => {
  test('getToken(): the app token; refresh(): single flight; onToken hears new tokens', async () => {
    let stored: string | null = 'token-one-000001';
    const refresh = jest.fn(async () => 'token-two-000002');
    const manager = new TokenManager({ getToken: () => stored, refresh });
    const heard: string[] = [];
    const stop = manager.onToken((t) => heard.push(t));
    await expect(manager.getToken()).resolves.toBe('token-one-000001');
    const [a, b] = await Promise.all([manager.refresh('rejected', 'token-one-000001'), manager.refresh('rejected')]);
    expect([a, b]).toEqual(['token-two-000002', 'token-two-000002']);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith({ failedToken: 'token-one-000001', reason: 'rejected' });
    expect(heard).toEqual(['token-two-000002']);
    // getToken still has the replaced token: the refreshed one is the token to send.
    expect(await manager.getToken()).toBe('token-two-000002');
    stored = null;
    stop();
    await manager.refresh();
    expect(heard).toEqual(['token-two-000002']);
  });

  test('without a token, getToken() obtains one (reason missing); a failed refresh rejects', async () => {
    const manager = new TokenManager({
      getToken: () => undefined,
      refresh: async ({ reason }) => `fresh-for-${reason}`,
    });
    await expect(manager.getToken()).resolves.toBe('fresh-for-missing');
    const failing = new TokenManager({
      getToken: () => undefined,
      refresh: async () => {
        throw new Error('no session');
      },
    });
    const error = await failing.getToken().catch((e: unknown) => e);
    expect(getClassifications(error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
  });

  test('a refresh that started before clear() is not kept', async () => {
    const gate = deferred<string>();
    const manager = new TokenManager({ getToken: () => null, refresh: () => gate.promise, refreshWhenMissing: false });
    const pending = manager.refresh();
    manager.clear();
    gate.resolve('late-token-000001');
    await expect(pending).resolves.toBe('late-token-000001');
    await expect(manager.getToken()).resolves.toBeUndefined();
  });
});

describe('signing out never sends the previous token', () => {
  test('getToken returned the refreshed token, then none: the app signed out, the old token is not sent', async () => {
    let stored: string | null = 'old-token-000001';
    let valid = 'new-token-000002';
    const refresh = jest.fn(async () => 'new-token-000002');
    const s = authServer(() => valid);
    const link = ApolloLink.from([
      new AuthRefreshLink({ getToken: () => stored, refresh, refreshWhenMissing: false }),
      s.link,
    ]);
    const first = await run(link, 'a'); // 401 with old, refresh, replay with new
    expect(first.next).toEqual([ok]);
    expect(s.sent).toEqual(['old-token-000001', 'new-token-000002']);
    stored = 'new-token-000002'; // the app stored it
    await run(link, 'b');
    stored = null; // the app signed out (its refresh has no session any more)
    valid = 'nobody';
    refresh.mockRejectedValue(new Error('no session'));
    const after = await run(link, 'c');
    expect(s.sent.slice(3)).toEqual([undefined]);
    expect(getClassifications(after.error)[0]).toMatchObject({ category: 'unauthenticated' });
  });

  test('the app never stored the refreshed token: signOut() forgets it', async () => {
    const refresh = jest.fn(async () => 'only-link-knows-1');
    const s = authServer(() => 'only-link-knows-1');
    const auth = new AuthRefreshLink({ getToken: () => null, refresh });
    const link = ApolloLink.from([auth, s.link]);
    await run(link, 'a');
    await run(link, 'b'); // the replay semantics: the refreshed token is kept while getToken has none
    expect(s.sent).toEqual(['only-link-knows-1', 'only-link-knows-1']);
    expect(refresh).toHaveBeenCalledTimes(1);
    auth.signOut();
    refresh.mockRejectedValueOnce(new Error('no session'));
    const after = await run(link, 'c');
    expect(s.sent).toHaveLength(2); // the 'missing' refresh failed: nothing was sent
    expect(getClassifications(after.error)[0]).toMatchObject({ category: 'unauthenticated', reason: 'refresh-failed' });
  });

  test('createResilienceLink: signOut() and its tokenManager', async () => {
    const s = authServer(() => 'combined-token-01');
    const refresh = jest.fn(async () => 'combined-token-01');
    const link = createResilienceLink({
      retry: false,
      auth: { getToken: () => null, refresh, refreshWhenMissing: false },
    });
    expect(link.tokenManager).toBeInstanceOf(TokenManager);
    await link.tokenManager!.refresh('missing');
    const chain = link.concat(s.link);
    await run(chain, 'a');
    link.signOut();
    refresh.mockRejectedValue(new Error('no session'));
    await run(chain, 'b');
    expect(s.sent).toEqual(['combined-token-01', undefined]);
    expect(createResilienceLink({}).tokenManager).toBeUndefined();
  });
});
