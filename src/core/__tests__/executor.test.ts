// The executor on its own: a list of policies, one Observable per operation, nothing known between them.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { parse } from 'graphql';
import { getClassifications } from '../../classify/getClassifications';
import { executeForward, setHeaders, type LinkOperation, type SubscriptionLike } from '../../compat/index';
import { answer, server } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { PolicyExecutor } from '../executor';
import type { Downstream, Policy, Sink } from '../policy';

const ok = { data: { po: { id: '1' } } };
const REREAD = parse('query Reread { po { id } }');

/** A policy that records what it saw and passes the operation on. */
function recording(name: string, log: string[]): Policy {
  return {
    run(operation: LinkOperation, _context, next: Downstream, sink: Sink): SubscriptionLike {
      log.push(`${name}:${operation.operationName ?? ''}`);
      return next.send(operation, {
        next: (r) => {
          log.push(`${name}:next`);
          sink.next(r);
        },
        error: (e) => sink.error(e),
        complete: () => {
          log.push(`${name}:complete`);
          sink.complete();
        },
      });
    },
  };
}

useFakeTimersAndCheckTeardown();

describe('PolicyExecutor', () => {
  test('runs the policies outermost first, on one Observable, and declares both request parameters', async () => {
    const log: string[] = [];
    const link = new PolicyExecutor([recording('a', log), recording('b', log)], 'Test');
    expect(link.request.length).toBe(2); // AC3 treats a link whose request takes one as terminating
    const observable = link.request(
      { operationName: 'Q', getContext: () => ({}) } as never,
      () => new Observable((o) => answer(o, ok)) as never,
    );
    const isRxjs = typeof (Observable.prototype as { pipe?: unknown }).pipe === 'function';
    // AC4 pipes what the outermost link returns: an rxjs Observable there, AC3's own elsewhere.
    expect(typeof (observable as { pipe?: unknown }).pipe === 'function').toBe(isRxjs);
    expect(observable).toBeInstanceOf(Observable);
    const out = execute(ApolloLink.from([link, server([ok]).link]));
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(log.slice(-6)).toEqual(['a:Q', 'b:Q', 'b:next', 'a:next', 'b:complete', 'a:complete']);
  });

  test('a policy may send the operation again (a retry) and derive a request through `forward` (a re-read)', async () => {
    const s = scripted((sink, n) => (n === 1 ? sink.error(new Error('first')) : answer(sink, ok)));
    const again: Policy = {
      run(operation, _context, next, sink) {
        let inner = next.send(operation, {
          next: (r) => sink.next(r),
          complete: () => sink.complete(),
          error: () => {
            inner = next.send(operation, sink);
          },
        });
        return { unsubscribe: () => inner.unsubscribe() };
      },
    };
    const out = execute(ApolloLink.from([new PolicyExecutor([again], 'Again'), s.link]));
    await flush();
    await out.done;
    expect(out.next).toEqual([ok]);
    expect(s.requests).toHaveLength(2);
  });

  test('unsubscribing stops the request below; dispose() ends running operations and fails later ones unsent', async () => {
    const s = scripted(() => undefined);
    const link = new PolicyExecutor([recording('a', [])], 'Test');
    const first = execute(ApolloLink.from([link, s.link]));
    await flush();
    first.unsubscribe();
    expect(s.teardowns.count).toBe(1);
    const second = execute(ApolloLink.from([link, s.link]));
    await flush();
    link.dispose();
    await flush();
    expect(getClassifications(second.error)[0]).toMatchObject({ category: 'unknown', reason: 'link-disposed' });
    expect(s.teardowns.count).toBe(2);
    const later = execute(ApolloLink.from([link, s.link]));
    await flush();
    expect(getClassifications(later.error)[0]).toMatchObject({ reason: 'link-disposed' });
    expect(s.requests).toHaveLength(2);
  });

  test('a policy below reads the headers a policy above wrote (not the context read when the operation started)', async () => {
    const seen: unknown[] = [];
    const writer: Policy = {
      run(operation, _context, next, sink) {
        setHeaders(operation, { 'x-above': '1' });
        return next.send(operation, sink);
      },
    };
    const reader: Policy = {
      run(operation, context, next, sink) {
        seen.push(context.headers);
        return next.send(operation, sink);
      },
    };
    const s = scripted((sink) => answer(sink, ok));
    const out = execute(ApolloLink.from([new PolicyExecutor([writer, reader], 'Test'), s.link]), {
      context: { headers: { 'x-app': 'a' } },
    });
    await flush();
    await out.done;
    expect(seen).toEqual([{ 'x-app': 'a', 'x-above': '1' }]);
  });

  test('a link below that throws instead of returning an Observable fails the operation with that error', async () => {
    const boom = new Error('boom');
    const throwing = new ApolloLink(() => {
      throw boom;
    });
    const out = execute(ApolloLink.from([new PolicyExecutor([recording('a', [])], 'Test'), throwing]));
    await flush();
    expect(out.error).toBe(boom);
  });
});

describe('PolicyExecutor: the link below, however it behaves', () => {
  /** A link below whose Observable runs `produce` and counts its teardowns. */
  function below(produce: (sink: Sink) => void) {
    const teardowns = { count: 0 };
    const link = new ApolloLink(
      () =>
        new Observable((sink: Sink) => {
          produce(sink);
          return () => {
            teardowns.count += 1;
          };
        }) as never,
    );
    return { link, teardowns };
  }

  test.each<[string, (sink: Sink) => void, unknown[], 'complete' | 'error']>([
    [
      'answers synchronously',
      (sink) => {
        sink.next(ok);
        sink.complete();
      },
      [ok],
      'complete',
    ],
    [
      'keeps emitting after it completed',
      (sink) => {
        sink.next(ok);
        sink.complete();
        sink.next({ data: { late: true } });
        sink.error(new Error('late'));
      },
      [ok],
      'complete',
    ],
    [
      'emits after it failed',
      (sink) => {
        sink.error(new Error('first'));
        sink.next(ok);
        sink.complete();
      },
      [],
      'error',
    ],
  ])('%s: the app sees one ending, and the teardown below runs once', async (_name, produce, results, ending) => {
    const log: string[] = [];
    const b = below(produce);
    const out = execute(ApolloLink.from([new PolicyExecutor([recording('a', log)], 'Test'), b.link]));
    await flush();
    await out.done;
    expect(out.next).toEqual(results);
    expect(out.complete).toBe(ending === 'complete');
    expect((out.error as Error | undefined)?.message).toBe(ending === 'error' ? 'first' : undefined);
    expect(log.filter((l) => l.endsWith(':complete'))).toHaveLength(ending === 'complete' ? 1 : 0);
    expect(b.teardowns.count).toBe(1);
  });

  test('after the app unsubscribes, nothing the link below still emits reaches it', async () => {
    let sink: Sink | undefined;
    const b = below((s) => (sink = s));
    const log: string[] = [];
    const out = execute(ApolloLink.from([new PolicyExecutor([recording('a', log)], 'Test'), b.link]));
    await flush();
    sink!.next(ok);
    out.unsubscribe();
    expect(b.teardowns.count).toBe(1);
    sink!.next({ data: { late: true } });
    sink!.complete();
    await flush();
    expect(out.next).toEqual([ok]);
    expect(out.complete).toBe(false);
    expect(log).toEqual(['a:Q', 'a:next']);
    expect(b.teardowns.count).toBe(1);
  });

  test('a policy derives a request through `forward`: it runs the policies below it, then the link below', async () => {
    const log: string[] = [];
    const s = scripted((sink, _n, operation) => answer(sink, { data: { name: operation.operationName } }));
    const deriving: Policy = {
      run(operation, _context, next, sink) {
        log.push(`deriving:${operation.operationName ?? ''}`);
        const forwarded = executeForward(next.forward, operation, { query: REREAD }) as unknown as {
          subscribe(o: Sink): SubscriptionLike;
        };
        let inner: SubscriptionLike | undefined;
        const outer = forwarded.subscribe({
          next: (r) => log.push(`derived:${JSON.stringify(r)}`),
          error: (e) => sink.error(e),
          complete: () => {
            inner = next.send(operation, sink);
          },
        });
        return {
          unsubscribe: () => {
            outer.unsubscribe();
            inner?.unsubscribe();
          },
        };
      },
    };
    const out = execute(ApolloLink.from([new PolicyExecutor([deriving, recording('b', log)], 'Test'), s.link]));
    await flush();
    await out.done;
    expect(out.next).toEqual([{ data: { name: 'Q' } }]);
    expect(log.slice(0, 4)).toEqual(['deriving:Q', 'b:Reread', 'b:next', 'derived:{"data":{"name":"Reread"}}']);
    expect(s.requests).toHaveLength(2);
  });

  test('the policies below see a derived request with its own context, and unsubscribing it ends the request below', async () => {
    const seen: unknown[] = [];
    const s = scripted(() => undefined); // never answers
    let derived: SubscriptionLike | undefined;
    const deriving: Policy = {
      run(operation, _context, next, sink) {
        const forwarded = executeForward(next.forward, operation, {
          query: REREAD,
          context: { tag: 'derived' },
        }) as unknown as { subscribe(o: Partial<Sink>): SubscriptionLike };
        derived = forwarded.subscribe({ error: (e) => sink.error(e) });
        return { unsubscribe: () => derived?.unsubscribe() };
      },
    };
    const reading: Policy = {
      run(operation, context, next, sink) {
        seen.push([operation.operationName, context.tag]);
        return next.send(operation, sink);
      },
    };
    const out = execute(ApolloLink.from([new PolicyExecutor([deriving, reading], 'Test'), s.link]), {
      context: { tag: 'mine' },
    });
    await flush();
    expect(seen).toEqual([['Reread', 'derived']]);
    expect(s.requests).toHaveLength(1);
    derived!.unsubscribe();
    await flush();
    expect(s.teardowns.count).toBe(1);
    out.unsubscribe();
  });

  test('dispose() disposes every policy, and the executor fails later operations without running them', async () => {
    const disposed: string[] = [];
    const log: string[] = [];
    const policy = (name: string): Policy => ({ ...recording(name, log), dispose: () => disposed.push(name) });
    const link = new PolicyExecutor([policy('a'), recording('plain', log), policy('c')], 'Named');
    link.dispose();
    expect(disposed).toEqual(['a', 'c']);
    const s = scripted((sink) => answer(sink, ok));
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    expect(getClassifications(out.error)[0]).toMatchObject({ category: 'unknown', reason: 'link-disposed' });
    expect((out.error as Error).message).toContain('Named');
    expect(log).toEqual([]);
    expect(s.requests).toHaveLength(0);
  });

  test('each policy gets the context the operation started with', async () => {
    const seen: unknown[] = [];
    const reading = (name: string): Policy => ({
      run(operation, context, next, sink) {
        seen.push([name, context.tag]);
        return next.send(operation, sink);
      },
    });
    const out = execute(
      ApolloLink.from([new PolicyExecutor([reading('a'), reading('b')], 'Test'), server([ok]).link]),
      { context: { tag: 'mine' } },
    );
    await flush();
    await out.done;
    expect(seen).toEqual([
      ['a', 'mine'],
      ['b', 'mine'],
    ]);
  });
});

describe('PolicyExecutor: a link below whose Observable returns its own subscription (zen-observable, as on AC3)', () => {
  /** A minimal Observable of another library: `subscribe` returns a subscription object of its own. */
  function foreign(produce: (observer: Sink) => void) {
    const unsubscribed = { count: 0 };
    const observable = {
      subscribe(observer: Sink) {
        produce(observer);
        return { unsubscribe: () => void (unsubscribed.count += 1) };
      },
    };
    return { observable, unsubscribed };
  }

  function run(produce: (observer: Sink) => void) {
    const f = foreign(produce);
    const link = new PolicyExecutor([recording('a', [])], 'Test');
    const seen: { next: unknown[]; complete: boolean } = { next: [], complete: false };
    const observable = link.request(
      { operationName: 'Q', getContext: () => ({}) } as never,
      () => f.observable as never,
    );
    const subscription = (observable as unknown as { subscribe(o: Partial<Sink>): SubscriptionLike }).subscribe({
      next: (r) => seen.next.push(r),
      complete: () => (seen.complete = true),
    });
    return { ...f, seen, subscription };
  }

  test('the app unsubscribes while it runs: its subscription is ended once', async () => {
    let observer: Sink | undefined;
    const r = run((o) => (observer = o));
    await flush();
    expect(r.unsubscribed.count).toBe(0);
    observer!.next(ok);
    await flush();
    r.subscription.unsubscribe();
    expect(r.unsubscribed.count).toBe(1);
    r.subscription.unsubscribe();
    expect(r.unsubscribed.count).toBe(1);
    expect(r.seen).toEqual({ next: [ok], complete: false });
  });

  test('it answered and completed within subscribe: the app has the answer and its subscription is ended once', async () => {
    const r = run((o) => answer(o, ok));
    await flush();
    expect(r.seen).toEqual({ next: [ok], complete: true });
    expect(r.unsubscribed.count).toBe(1);
    r.subscription.unsubscribe();
    expect(r.unsubscribed.count).toBe(1);
  });

  test('it completes later: its subscription is ended once, and the app unsubscribing after that changes nothing', async () => {
    let observer: Sink | undefined;
    const r = run((o) => (observer = o));
    await flush();
    answer(observer!, ok);
    await flush();
    expect(r.seen).toEqual({ next: [ok], complete: true });
    expect(r.unsubscribed.count).toBe(1);
    r.subscription.unsubscribe();
    expect(r.unsubscribed.count).toBe(1);
  });
});

describe('PolicyExecutor: a link below that adds and removes teardowns on its subscriber (rxjs, AC4)', () => {
  // rxjs hands the executor's subscriber to the producer itself; AC3's zen-observable has no add/remove.
  const rxjs = typeof (Observable.prototype as { pipe?: unknown }).pipe === 'function';
  type Teardowns = { add(t: () => void): void; remove(t: () => void): void };
  (rxjs ? test.each : test.skip.each)<[string, Array<['add' | 'remove', 1 | 2 | 3]>, number[]]>([
    [
      'the first of two removed',
      [
        ['add', 1],
        ['add', 2],
        ['remove', 1],
      ],
      [2],
    ],
    [
      'the second of two removed',
      [
        ['add', 1],
        ['add', 2],
        ['remove', 2],
      ],
      [1],
    ],
    [
      'one never added removed',
      [
        ['add', 1],
        ['add', 2],
        ['remove', 3],
      ],
      [1, 2],
    ],
    [
      'removed before any was added',
      [
        ['remove', 3],
        ['add', 1],
      ],
      [1],
    ],
  ])('%s: unsubscribing runs the teardowns still added', async (_name, steps, ran) => {
    const log: number[] = [];
    const teardown = { 1: () => log.push(1), 2: () => log.push(2), 3: () => log.push(3) };
    const link = new ApolloLink(
      () =>
        new Observable((subscriber) => {
          for (const [action, n] of steps) (subscriber as unknown as Teardowns)[action](teardown[n]);
        }) as never,
    );
    const out = execute(ApolloLink.from([new PolicyExecutor([recording('a', [])], 'Test'), link]));
    await flush();
    expect(log).toEqual([]);
    out.unsubscribe();
    expect(log).toEqual(ran);
  });
});
