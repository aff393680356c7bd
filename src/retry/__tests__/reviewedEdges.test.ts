// Edges a review found, each a test before its fix: results that resolve each other within one
// attempt, an incremental (@defer) stream whose first chunk is held, a mutation's 429/503 that AC4
// delivers as a result, a probe that learnt nothing about the server, and null bubbled to a parent.
import { ApolloLink } from '@apollo/client/core/index.js';
import { getClassifications } from '../../classify/getClassifications';
import { MUTATION, execute, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { answer, noJitter, server, serverError } from '../../__testUtils__/fixtures';
import { mergePartialResults } from '../mergePartialResults';
import { RetryBackoffLink } from '../RetryBackoffLink';

useFakeTimersAndCheckTeardown();

const ISE = { code: 'INTERNAL_SERVER_ERROR' };

describe('one attempt, several results', () => {
  test('two results whose errors the other resolves: one clean merged result, the operation ends', async () => {
    const r1 = { data: { a: 1, b: null }, errors: [{ message: 'x', path: ['b'], extensions: ISE }] };
    const r2 = { data: { a: null, b: 2 }, errors: [{ message: 'y', path: ['a'], extensions: ISE }] };
    const s = scripted((sink) => {
      sink.next(r1);
      sink.next(r2);
      sink.complete();
    });
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(out.complete).toBe(true);
    expect(out.error).toBeUndefined();
    expect(out.next).toEqual([{ data: { a: 1, b: 2 } }]);
    expect(s.requests).toHaveLength(1);
  });

  test('@defer: a held first chunk followed by a clean chunk reaches the app first, in order', async () => {
    const c1 = {
      data: { po: { id: '1', supplier: null } },
      errors: [{ message: 'down', path: ['po', 'supplier'], extensions: ISE }],
      hasNext: true,
    };
    const c2 = { incremental: [{ data: { extra: 1 }, path: ['po'] }], hasNext: false };
    const s = scripted((sink) => {
      sink.next(c1);
      sink.next(c2);
      sink.complete();
    });
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(out.next).toEqual([c1, c2]);
    expect(out.complete).toBe(true);
  });
});

describe('a mutation whose 429 or 503 arrives as a result (AC4: application/graphql-response+json)', () => {
  const rateLimited = (
    sink: Parameters<Parameters<typeof scripted>[0]>[0],
    operation: { setContext: (c: object) => void },
  ) => {
    operation.setContext({ response: { status: 429, headers: new Headers({ 'retry-after': '1' }) } });
    answer(sink, { errors: [{ message: 'try later', extensions: { code: 'RATE_LIMITED' } }] });
  };

  test('a data-less 429 is retried, as the same 429 thrown as a ServerError is', async () => {
    const s = scripted((sink, n, operation) =>
      n === 1 ? rateLimited(sink, operation as never) : answer(sink, { data: { updatePo: { id: '1' } } }),
    );
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]), { query: MUTATION });
    await jest.advanceTimersByTimeAsync(2_000);
    expect(s.requests).toHaveLength(2);
    expect(out.next).toEqual([{ data: { updatePo: { id: '1' } } }]);
  });

  test('mutations: "never": the 429 result is the answer, the same object, not retried', async () => {
    const sent: unknown[] = [];
    const s = scripted((sink, _n, operation) => {
      rateLimited(
        { ...sink, next: (r: unknown) => (sent.push(r), sink.next(r as never)) } as never,
        operation as never,
      );
    });
    const out = execute(ApolloLink.from([new RetryBackoffLink({ ...noJitter, mutations: 'never' }), s.link]), {
      query: MUTATION,
    });
    await jest.advanceTimersByTimeAsync(2_000);
    expect(s.requests).toHaveLength(1);
    expect(out.next).toHaveLength(1);
    expect(out.next[0]).toBe(sent[0]);
  });

  test('a 429 result that carries data is no failure to retry: the mutation ran, its result is the answer', async () => {
    const partial = {
      data: { updatePo: { id: '1', audit: null } },
      errors: [{ message: 'try later', path: ['updatePo', 'audit'], extensions: { code: 'RATE_LIMITED' } }],
    };
    const s = scripted((sink, _n, operation) => {
      (operation as unknown as { setContext: (c: object) => void }).setContext({
        response: { status: 429, headers: new Headers() },
      });
      answer(sink, partial);
    });
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]), { query: MUTATION });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(s.requests).toHaveLength(1);
    expect(out.next).toEqual([partial]);
  });

  test('an ambiguous 500 result of a mutation without a key is not retried (the server may have written it)', async () => {
    const s = scripted((sink) => answer(sink, { errors: [{ message: 'boom', extensions: ISE }] }));
    execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]), { query: MUTATION });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(s.requests).toHaveLength(1);
  });
});

describe('what a half-open probe tells the circuit', () => {
  test('a probe the app aborted learnt nothing about the server: the circuit stays open', async () => {
    const link = new RetryBackoffLink({
      jitter: false,
      budget: false,
      maxAttempts: 1,
      circuitBreaker: { failures: 1 },
    });
    const failing = server([serverError(503)]);
    const first = execute(ApolloLink.from([link, failing.link]));
    await jest.advanceTimersByTimeAsync(0);
    await first.done;
    expect(link.circuitState).toBe('open');
    await jest.advanceTimersByTimeAsync(1_000);
    const aborted = scripted((sink) =>
      sink.error(Object.assign(new Error('The operation was aborted'), { name: 'AbortError' })),
    );
    const probe = execute(ApolloLink.from([link, aborted.link]));
    await jest.advanceTimersByTimeAsync(0);
    await probe.done;
    expect(aborted.requests).toHaveLength(1);
    expect(link.circuitState).not.toBe('closed');
    link.dispose();
  });
});

describe('null bubbled up to a parent', () => {
  test('a parent an earlier attempt resolved is kept when the newest nulls it for a failed child', async () => {
    const a1 = {
      data: { po: { id: '1', supplier: 'Acme' }, other: null },
      errors: [{ message: 'x', path: ['other'], extensions: ISE }],
    };
    const a2 = { data: { po: null, other: 5 }, errors: [{ message: 'y', path: ['po', 'supplier'], extensions: ISE }] };
    const s = server([a1, a2, a2]);
    const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), s.link]));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(out.next[0]).toEqual({ data: { po: { id: '1', supplier: 'Acme' }, other: 5 } });
  });
});

describe('mergePartialResults: null bubbled up from a failed non-null child', () => {
  const err = (path: Array<string | number>) => ({ message: 'x', path, extensions: ISE });
  test.each<[string, object, object, object]>([
    [
      'an object parent is kept',
      { data: { po: { id: '1', supplier: 'Acme' } } },
      { data: { po: null }, errors: [err(['po', 'supplier'])] },
      { data: { po: { id: '1', supplier: 'Acme' } } },
    ],
    [
      'a list parent is kept',
      { data: { lines: [{ qty: 1 }] } },
      { data: { lines: null }, errors: [err(['lines', 0, 'qty'])] },
      { data: { lines: [{ qty: 1 }] } },
    ],
    [
      'a scalar is not a parent: a longer failed path does not match it',
      { data: { po: 5 } },
      { data: { po: null }, errors: [err(['po', 'a'])] },
      { data: { po: null }, errors: [err(['po', 'a'])] },
    ],
    [
      'a sibling path does not match',
      { data: { po: { id: '1' }, other: { id: '2' } } },
      { data: { po: null, other: { id: '2' } }, errors: [err(['other', 'id'])] },
      { data: { po: null, other: { id: '2' } } },
    ],
  ])('%s', (_name, previous, next, merged) => {
    expect(mergePartialResults(previous as never, next as never)).toEqual(merged);
  });
});

describe('a throwing idempotencyKey.generate', () => {
  test('its message is redacted like every other failure the package reports (a JWT it holds never reaches the app)', async () => {
    const jwtLike = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const s = scripted((sink) => answer(sink, { data: {} }));
    const out = execute(
      ApolloLink.from([
        new RetryBackoffLink({
          ...noJitter,
          idempotencyKey: {
            generate: () => {
              throw new Error(`key store refused ${jwtLike}`);
            },
          },
        }),
        s.link,
      ]),
      { query: MUTATION },
    );
    await jest.advanceTimersByTimeAsync(0);
    expect(JSON.stringify(getClassifications(out.error))).not.toContain('eyJ');
    expect(s.requests).toHaveLength(0);
  });
});
