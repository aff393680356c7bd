// createResilienceLink's options reach the policy they belong to: classify's rules, profiles and
// remediations, the retry policy's presence, auth's presence, and every listener.
import { getClassifications } from '../classify/getClassifications';
import type { ClassificationProfile } from '../classify/types';
import { createResilienceLink } from '../createResilienceLink';
import type { ResilienceEvent } from '../events';
import { authHeader, noJitter, server, serverError, unauthorized } from '../__testUtils__/fixtures';
import { execute, flush, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';

const ok = { data: { po: { id: '1' } } };
// A new object per test: a classification recorded on an error stays with it.
const teapot = () => ({ data: null, errors: [{ message: 'I am a teapot', extensions: { code: 'TEAPOT' } }] });

const profile: ClassificationProfile = {
  name: 'kitchen',
  rules: [{ id: 'kitchen/teapot', match: { code: 'TEAPOT' }, classify: { category: 'server', reason: 'teapot' } }],
};

async function firstClassification(options: Parameters<typeof createResilienceLink>[0]) {
  const s = server([teapot()]);
  const out = execute(createResilienceLink({ retry: false, ...options }).concat(s.link));
  await flush();
  await out.done;
  return getClassifications(out.next[0])[0];
}

useFakeTimersAndCheckTeardown();

describe('classify options', () => {
  test.each<[string, Parameters<typeof createResilienceLink>[0], Record<string, unknown>]>([
    ['none: the core alone', {}, { category: 'unknown' }],
    ['a profile', { classify: { profiles: [profile] } }, { category: 'server', reason: 'teapot' }],
    [
      'a rule (before the profile)',
      {
        classify: {
          rules: [{ id: 'mine', match: { code: 'TEAPOT' }, classify: { category: 'bad-request', reason: 'mine' } }],
          profiles: [profile],
        },
      },
      { category: 'bad-request', reason: 'mine' },
    ],
    [
      'remediations',
      { classify: { profiles: [profile], remediations: { 'server/teapot': 'Brew coffee instead.' } } },
      { reason: 'teapot', remediation: 'Brew coffee instead.' },
    ],
  ])('%s', async (_name, options, expected) => {
    expect(await firstClassification(options)).toMatchObject(expected);
  });
});

describe('which policies are present', () => {
  test('retry is present by default and absent with retry: false', async () => {
    for (const [retry, requests] of [
      [noJitter, 2],
      [false, 1],
    ] as const) {
      const s = server([serverError(503), ok]);
      const out = execute(createResilienceLink({ retry }).concat(s.link));
      await jest.advanceTimersByTimeAsync(5_000);
      await out.done;
      expect(s.requests).toHaveLength(requests);
    }
    const s = server([serverError(503), ok]);
    const out = execute(createResilienceLink({ retry: { jitter: false } }).concat(s.link));
    await jest.advanceTimersByTimeAsync(5_000);
    await out.done;
    expect(out.next).toEqual([ok]);
  });

  test('without auth: no token is attached, no tokenManager, signOut() does nothing', async () => {
    const s = server([ok]);
    const link = createResilienceLink({ retry: false });
    expect(link.tokenManager).toBeUndefined();
    expect(() => link.signOut()).not.toThrow();
    const out = execute(link.concat(s.link));
    await flush();
    await out.done;
    expect(s.requests.map(authHeader)).toEqual([undefined]);
    expect(out.next).toEqual([ok]);
  });

  test('resetCircuit() without a retry policy does nothing', () => {
    const link = createResilienceLink({ retry: false });
    expect(() => link.resetCircuit()).not.toThrow();
    expect(link.circuitState).toBe('closed');
  });
});

describe('listeners', () => {
  test("every policy's events reach both its own onEvent and the link's", async () => {
    const all: string[] = [];
    const retryOwn: string[] = [];
    const authOwn: string[] = [];
    let token = 'token-aaaaaaaa';
    const s = server([unauthorized(), serverError(503), ok]);
    const link = createResilienceLink({
      retry: { ...noJitter, onEvent: (e: ResilienceEvent) => retryOwn.push(e.type) },
      auth: {
        getToken: () => token,
        refresh: async () => (token = 'token-bbbbbbbb'),
        onEvent: (e: ResilienceEvent) => authOwn.push(e.type),
      },
      onEvent: (e) => all.push(e.type),
    });
    const out = execute(link.concat(s.link));
    await jest.advanceTimersByTimeAsync(5_000);
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(authOwn).toEqual(['refresh-start', 'refresh-success']);
    expect(retryOwn).toEqual(['retry']);
    expect(all).toEqual(['refresh-start', 'refresh-success', 'retry']);
  });

  test("a policy's own listener alone, without the link's", async () => {
    const retryOwn: string[] = [];
    const s = server([serverError(503), ok]);
    const out = execute(
      createResilienceLink({ retry: { ...noJitter, onEvent: (e: ResilienceEvent) => retryOwn.push(e.type) } }).concat(
        s.link,
      ),
    );
    await jest.advanceTimersByTimeAsync(5_000);
    await out.done;
    expect(retryOwn).toEqual(['retry']);
  });
});
