// Disposing while a refresh runs (review findings): the waiters fail at once with the disposed error
// instead of waiting forever, and disposing is not an auth failure (no logout).
import type { BroadcastChannelLike, LockManagerLike } from '../crossTab';
import { TokenManager } from '../TokenManager';
import { useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';

useFakeTimersAndCheckTeardown();

const outcome = (promise: Promise<unknown>) => {
  const seen: { value?: unknown; error?: unknown; settled: boolean } = { settled: false };
  promise.then(
    (value) => Object.assign(seen, { value, settled: true }),
    (error: unknown) => Object.assign(seen, { error, settled: true }),
  );
  return seen;
};

describe('TokenManager.dispose() during a refresh', () => {
  test('a refresh that never answers: its waiters fail with link-disposed, onAuthFailure is not called', async () => {
    const onAuthFailure = jest.fn();
    const manager = new TokenManager({
      getToken: () => null,
      refresh: () => new Promise<string>(() => undefined),
      refreshTimeoutMs: 200,
      onAuthFailure,
    });
    const refreshing = outcome(manager.refresh('rejected'));
    const reading = outcome(manager.getToken());
    await jest.advanceTimersByTimeAsync(10);
    manager.dispose();
    await jest.advanceTimersByTimeAsync(0);
    expect(refreshing).toMatchObject({
      settled: true,
      error: expect.objectContaining({
        classification: expect.objectContaining({ reason: 'link-disposed' }),
      }) as unknown,
    });
    expect(reading.settled).toBe(true);
    expect(onAuthFailure).not.toHaveBeenCalled();
  });

  test('with crossTab, a lock not yet granted is abandoned without an auth failure', async () => {
    const onAuthFailure = jest.fn();
    const refresh = jest.fn(async () => 'new-token-aaaaaaaa');
    const locks: LockManagerLike = {
      // Never granted: another tab holds it. Aborting rejects the request, as the Web Locks API does.
      request: (_name, options) =>
        new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    };
    const createChannel = (): BroadcastChannelLike => ({
      postMessage: () => undefined,
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
      close: () => undefined,
    });
    const manager = new TokenManager({
      getToken: () => null,
      refresh,
      crossTab: { locks, createChannel, lockTimeoutMs: 60_000 },
      onAuthFailure,
    });
    const reading = outcome(manager.getToken());
    await jest.advanceTimersByTimeAsync(10);
    manager.dispose();
    await jest.advanceTimersByTimeAsync(0);
    expect(reading.settled).toBe(true);
    expect(refresh).not.toHaveBeenCalled();
    expect(onAuthFailure).not.toHaveBeenCalled();
  });
});
