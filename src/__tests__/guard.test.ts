// The guard around user callbacks (src/guard.ts), on its own: what a link that calls a listener, a
// predicate or a decision through it can rely on. guardedCallbacks.test.ts covers the same through
// the links.
import { answer, ask, decideSafely, notify, reportCallbackError, type Outcome } from '../guard';
import { useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';

let report: jest.SpyInstance;
beforeEach(() => {
  report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
});
afterEach(() => report.mockRestore());
useFakeTimersAndCheckTeardown();

const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
/** A thenable that is a function (some promise libraries' shape). */
const callableThenable = <T>(value: T) =>
  Object.assign(() => undefined, {
    then: (onFulfilled: (v: T) => unknown) => onFulfilled(value),
  });

describe('reportCallbackError', () => {
  test('names the callback, says it was ignored, and gives the error as "Name: message"', () => {
    reportCallbackError('onRetry', () => undefined, new RangeError('bad index'));
    expect(report).toHaveBeenCalledTimes(1);
    expect(report.mock.calls[0]).toEqual([
      'apollo-link-resilience: the onRetry callback threw; it was ignored and the operation went on (reported once per callback). RangeError: bad index',
    ]);
  });

  test.each<[string, unknown, string]>([
    ['a string', 'plain failure', 'plain failure'],
    ['a number', 42, '42'],
    ['undefined', undefined, 'undefined'],
  ])('a thrown non-Error (%s) is reported as its string', (_n, thrown, shown) => {
    reportCallbackError('onEvent', () => undefined, thrown);
    expect(String(report.mock.calls[0]![0])).toMatch(new RegExp(`\\(reported once per callback\\)\\. ${shown}$`));
  });

  test('once per callback function: a second failure of the same one is silent, another one is reported', () => {
    const listener = () => undefined;
    reportCallbackError('onEvent', listener, new Error('first'));
    reportCallbackError('onEvent', listener, new Error('second'));
    expect(report).toHaveBeenCalledTimes(1);
    reportCallbackError('onEvent', () => undefined, new Error('other'));
    expect(report).toHaveBeenCalledTimes(2);
    expect(String(report.mock.calls[1]![0])).toContain('Error: other');
  });

  test('a bearer token in the message is redacted', () => {
    reportCallbackError('onAuthFailure', () => undefined, new Error('logout failed for Bearer abc.def-123456'));
    expect(String(report.mock.calls[0]![0])).toContain('Bearer [redacted]');
    expect(String(report.mock.calls[0]![0])).not.toContain('abc.def-123456');
  });
});

describe('notify', () => {
  test('calls the listener with every argument; its return value is ignored', () => {
    const listener = jest.fn((..._args: unknown[]) => 'ignored');
    expect(notify('onEvent', listener, 1, 'two', { three: 3 })).toBeUndefined();
    expect(listener).toHaveBeenCalledWith(1, 'two', { three: 3 });
    expect(report).not.toHaveBeenCalled();
  });

  test('no listener: nothing happens', () => {
    expect(() => notify('onEvent', undefined, 1)).not.toThrow();
    expect(report).not.toHaveBeenCalled();
  });

  test('a throwing listener is reported under its name and never throws into the caller', () => {
    const listener = () => {
      throw new Error('listener bug');
    };
    expect(() => notify('onGiveUp', listener)).not.toThrow();
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('the onGiveUp callback threw');
    expect(String(report.mock.calls[0]![0])).toContain('Error: listener bug');
  });

  test('a listener whose promise rejects is reported once the rejection arrives (no unhandled rejection)', async () => {
    notify('onEvent', () => Promise.reject(new Error('async bug')));
    expect(report).not.toHaveBeenCalled();
    await microtasks();
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('Error: async bug');
  });

  test('a listener whose promise resolves is not reported', async () => {
    notify('onEvent', () => Promise.resolve('fine'));
    await microtasks();
    expect(report).not.toHaveBeenCalled();
  });
});

describe('decideSafely', () => {
  test.each([true, false])('the predicate answers %s: that answer, whatever the fallback', (verdict) => {
    const predicate = jest.fn((_a: number, _b: string) => verdict);
    expect(decideSafely('isAuthError', predicate, !verdict, 1, 'x')).toBe(verdict);
    expect(predicate).toHaveBeenCalledWith(1, 'x');
    expect(report).not.toHaveBeenCalled();
  });

  test.each([true, false])('a throwing predicate counts as the fallback (%s) and is reported', (fallback) => {
    const predicate = (): boolean => {
      throw new Error('predicate bug');
    };
    expect(decideSafely('isAuthError', predicate, fallback)).toBe(fallback);
    expect(report).toHaveBeenCalledTimes(1);
    expect(String(report.mock.calls[0]![0])).toContain('the isAuthError callback threw');
  });
});

describe('answer', () => {
  const timeoutError = () => new Error('no answer');

  test.each<[string, unknown]>([
    ['a value', 'token'],
    ['null', null],
    ['undefined', undefined],
    ['an object without then', { then: 'not a function' }],
    ['a function', () => 'fn'],
  ])('a synchronous answer (%s) is handed over at once, with no promise and no timer', (_n, value) => {
    const done = jest.fn();
    const cancel = answer(() => value, 1000, timeoutError, done);
    expect(done).toHaveBeenCalledTimes(1);
    expect(done).toHaveBeenCalledWith({ ok: true, value });
    expect(jest.getTimerCount()).toBe(0);
    cancel(); // a no-op
    expect(done).toHaveBeenCalledTimes(1);
  });

  test('a synchronous throw is { ok: false } at once', () => {
    const error = new Error('getToken bug');
    const done = jest.fn();
    answer(
      () => {
        throw error;
      },
      1000,
      timeoutError,
      done,
    );
    expect(done.mock.calls).toEqual([[{ ok: false, error }]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a promise: handed over when it resolves, once, and its timer is cleared', async () => {
    const done = jest.fn();
    let resolve!: (v: string) => void;
    answer(() => new Promise<string>((r) => (resolve = r)), 1000, timeoutError, done);
    expect(done).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(1);
    resolve('late token');
    await microtasks();
    expect(done.mock.calls).toEqual([[{ ok: true, value: 'late token' }]]);
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(5000);
    expect(done).toHaveBeenCalledTimes(1);
  });

  test('a rejected promise is { ok: false } with its reason', async () => {
    const done = jest.fn();
    const reason = new Error('refresh failed');
    answer(() => Promise.reject(reason), 1000, timeoutError, done);
    await microtasks();
    expect(done.mock.calls).toEqual([[{ ok: false, error: reason }]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a callable thenable is awaited like a promise', async () => {
    const done = jest.fn();
    answer(() => callableThenable('v') as unknown as PromiseLike<string>, 1000, timeoutError, done);
    await microtasks();
    expect(done.mock.calls).toEqual([[{ ok: true, value: 'v' }]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('a thenable whose then throws is { ok: false }', () => {
    const done = jest.fn();
    const error = new Error('then bug');
    const thenable = {
      then: () => {
        throw error;
      },
    };
    answer(() => thenable as unknown as PromiseLike<string>, 1000, timeoutError, done);
    expect(done.mock.calls).toEqual([[{ ok: false, error }]]);
    expect(jest.getTimerCount()).toBe(0);
  });

  test('no answer within timeoutMs: { ok: false, error: timeoutError() } exactly then, and a late answer is dropped', async () => {
    const done = jest.fn();
    const error = new Error('no answer');
    let resolve!: (v: string) => void;
    answer(
      () => new Promise<string>((r) => (resolve = r)),
      1000,
      () => error,
      done,
    );
    await jest.advanceTimersByTimeAsync(999);
    expect(done).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1);
    expect(done.mock.calls).toEqual([[{ ok: false, error }]]);
    resolve('too late');
    await microtasks();
    expect(done).toHaveBeenCalledTimes(1);
  });

  test('a negative timeout times out at once (on the next timer tick)', async () => {
    const done = jest.fn();
    answer(() => new Promise<string>(() => undefined), -50, timeoutError, done);
    await jest.advanceTimersByTimeAsync(0);
    expect(done.mock.calls).toEqual([[{ ok: false, error: new Error('no answer') }]]);
  });

  test('an infinite timeout sets no timer: it waits for the answer', async () => {
    const done = jest.fn();
    let resolve!: (v: number) => void;
    answer(() => new Promise<number>((r) => (resolve = r)), Infinity, timeoutError, done);
    expect(jest.getTimerCount()).toBe(0);
    resolve(7);
    await microtasks();
    expect(done.mock.calls).toEqual([[{ ok: true, value: 7 }]]);
  });

  test('cancel drops a pending answer and clears the timer (the operation ended)', async () => {
    const done = jest.fn();
    let resolve!: (v: string) => void;
    const cancel = answer(() => new Promise<string>((r) => (resolve = r)), 1000, timeoutError, done);
    expect(jest.getTimerCount()).toBe(1);
    cancel();
    expect(jest.getTimerCount()).toBe(0);
    resolve('after cancel');
    await microtasks();
    await jest.advanceTimersByTimeAsync(2000);
    expect(done).not.toHaveBeenCalled();
  });

  test('cancel with an infinite timeout drops the answer too', async () => {
    const done = jest.fn();
    let reject!: (e: unknown) => void;
    const cancel = answer(() => new Promise<string>((_r, j) => (reject = j)), Infinity, timeoutError, done);
    cancel();
    reject(new Error('after cancel'));
    await microtasks();
    expect(done).not.toHaveBeenCalled();
  });
});

describe('ask', () => {
  const timeoutError = () => new Error('decision-timeout');

  test('resolves with a synchronous or asynchronous answer', async () => {
    await expect(ask(() => 'abort', 1000, timeoutError).promise).resolves.toBe('abort');
    await expect(ask(() => Promise.resolve({ id: 1 }), 1000, timeoutError).promise).resolves.toEqual({ id: 1 });
  });

  test('rejects on a throw, a rejection, or no answer in time', async () => {
    const thrown = new Error('reapply bug');
    await expect(
      ask(
        () => {
          throw thrown;
        },
        1000,
        timeoutError,
      ).promise,
    ).rejects.toBe(thrown);
    await expect(ask(() => Promise.reject(new Error('nope')), 1000, timeoutError).promise).rejects.toThrow('nope');
    const pending = ask(() => new Promise<string>(() => undefined), 1000, timeoutError);
    const outcome = pending.promise.then(
      (v): Outcome<string> => ({ ok: true, value: v }),
      (error: unknown): Outcome<string> => ({ ok: false, error }),
    );
    await jest.advanceTimersByTimeAsync(1000);
    expect(await outcome).toEqual({ ok: false, error: new Error('decision-timeout') });
  });

  test('cancel leaves the promise pending and clears the timer', async () => {
    const pending = ask(() => new Promise<string>(() => undefined), 1000, timeoutError);
    const seen = jest.fn();
    pending.promise.then(seen, seen);
    pending.cancel();
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(2000);
    expect(seen).not.toHaveBeenCalled();
  });
});

describe('decideSafely: a predicate that answers with a promise', () => {
  test('counts as the fallback, reported once, and its rejection crashes nothing (no unhandled rejection)', async () => {
    const report = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const predicate = (async () => {
        throw new Error('lookup failed');
      }) as unknown as () => boolean;
      expect(decideSafely('isAuthError', predicate, false)).toBe(false);
      await jest.advanceTimersByTimeAsync(10);
      await new Promise((resolve) => jest.requireActual<typeof import('timers')>('timers').setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      expect(report).toHaveBeenCalledTimes(1);
    } finally {
      process.off('unhandledRejection', unhandled);
      report.mockRestore();
    }
  });
});
