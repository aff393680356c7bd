// The executor on its own: a list of policies, one Observable per operation, nothing known between them.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import type { LinkOperation, SubscriptionLike } from '../../compat/index';
import { answer, server } from '../../__testUtils__/fixtures';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { PolicyExecutor } from '../executor';
import type { Downstream, Policy, Sink } from '../policy';

const ok = { data: { po: { id: '1' } } };

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
