import { ApolloLink, HttpLink } from '@apollo/client/core/index.js';
import * as httpEntry from '@apollo/client/link/http';
import { parse } from 'graphql';
import { AuthRefreshLink } from '../../auth/AuthRefreshLink';
import { classifyError } from '../../classify/classifyError';
import { getClassifications } from '../../classify/getClassifications';
import { RetryBackoffLink } from '../../retry/RetryBackoffLink';
import { MUTATION, execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { FaultLink } from '../FaultLink';
import { createResponse, responseSpec } from '../faultResponses';

const major = (require('@apollo/client/package.json') as { version: string }).version.startsWith('3.') ? 3 : 4;
const ok = { data: { po: { id: '1', supplier: 'Acme' } } };
type Sink = { next(v: unknown): void; error(e: unknown): void; complete(): void };
/** The next link (a server that always answers `ok`), recording every request. */
const server = (result: unknown = ok) =>
  scripted((sink: Sink) => {
    sink.next(result);
    sink.complete();
  });
const noJitter = { jitter: false, budget: false as const, circuitBreaker: false as const };

/**
 * The installed major's real HTTP link with a fetch that resolves with `response`: the reference a
 * fault must match. AC4's `HttpLink` needs a real client (client awareness), so its `BaseHttpLink`.
 */
function realHttp(response: () => Response): ApolloLink {
  const Base = (httpEntry as { BaseHttpLink?: typeof HttpLink }).BaseHttpLink ?? HttpLink;
  return new Base({ uri: 'http://server.test/graphql', fetch: () => Promise.resolve(response()) });
}

/** Everything observable about an emitted error or result, to compare FaultLink with the real link. */
function shape(out: { next: unknown[]; error?: unknown }) {
  const e = out.error as (Error & Record<string, unknown>) | undefined;
  return {
    next: out.next,
    error: e && {
      proto: Object.getPrototypeOf(e) as unknown,
      name: e.name,
      message: e.message,
      keys: Object.keys(e).sort(),
      statusCode: e.statusCode,
      bodyText: e.bodyText,
      result: e.result,
      status: (e.response as Response | undefined)?.status,
      headers: headersOf(e.response as Response | undefined),
    },
  };
}

function headersOf(response: Response | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  response?.headers.forEach((value, name) => (out[name] = value));
  return out;
}

useFakeTimersAndCheckTeardown();

describe(`FaultLink on Apollo Client ${major}`, () => {
  describe('produces what the real HttpLink produces', () => {
    const cases: Array<[string, FaultLink.Fault, number, Record<string, string>]> = [
      ['a 503 HTML page', { kind: 'status', status: 503 }, 503, {}],
      ['a 429 with Retry-After', { kind: 'rate-limit', retryAfter: 7 }, 429, { 'retry-after': '7' }],
      ['a 401 expired token', { kind: 'token-expired' }, 401, {}],
      ['a 409 conflict', { kind: 'conflict' }, 409, {}],
      [
        'a 401 with data and errors (AC3 emits the body first)',
        { kind: 'status', status: 401, body: { data: { po: null }, errors: [{ message: 'Token is expired' }] } },
        401,
        {},
      ],
      [
        'a 500 as application/graphql-response+json (AC4 reads it as a result)',
        {
          kind: 'status',
          status: 500,
          body: { errors: [{ message: 'boom' }] },
          contentType: 'application/graphql-response+json',
        },
        500,
        {},
      ],
      [
        'a 200 with errors',
        {
          kind: 'status',
          status: 200,
          body: {
            errors: [{ message: 'Field "x" is not defined', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
          },
        },
        200,
        {},
      ],
    ];
    test.each(cases)('%s', async (_name, fault, status, headers) => {
      const spy = scripted((sink: Sink) => sink.error(new Error('not reached')));
      const viaFault = execute(ApolloLink.from([new FaultLink([{ fault }]), spy.link]));
      await flush();
      await viaFault.done;
      expect(spy.requests).toHaveLength(0);
      const spec = responseSpecOf(fault);
      const viaHttp = execute(realHttp(() => createResponse(spec)));
      await flush();
      await viaHttp.done;
      expect(shape(viaFault)).toEqual(shape(viaHttp));
      if (status !== 200 && viaFault.error)
        expect((viaFault.error as { response: Response }).response.status).toBe(status);
      for (const [name, value] of Object.entries(headers))
        expect((viaFault.error as { response: Response }).response.headers.get(name)).toBe(value);
    });

    test('the 5xx is AC4 ServerError / AC3 throwServerError, with the real Response in the context', async () => {
      let seen: Record<string, unknown> = {};
      const out = execute(
        ApolloLink.from([
          new ApolloLink((op, forward) => {
            const o = forward(op) as unknown as { subscribe(s: Sink): unknown };
            return new (Object.getPrototypeOf(o).constructor as new (f: (s: Sink) => void) => never)((sink: Sink) => {
              o.subscribe({
                next: (v) => sink.next(v),
                error: (e) => {
                  seen = op.getContext() as Record<string, unknown>;
                  sink.error(e);
                },
                complete: () => sink.complete(),
              });
            });
          }),
          new FaultLink([{ fault: { kind: 'status', status: 502 } }]),
        ]),
      );
      await flush();
      await out.done;
      const error = out.error as {
        name: string;
        statusCode: number;
        response: Response;
        bodyText?: string;
        result?: unknown;
      };
      expect(error.name).toBe('ServerError');
      expect(error.statusCode).toBe(502);
      expect(error.response).toBeInstanceOf(Response);
      expect(seen.response).toBe(error.response);
      if (major === 4) {
        const { ServerError } = require('@apollo/client/errors') as {
          ServerError: { is(e: unknown): boolean } & (new (...a: never[]) => unknown);
        };
        expect(error).toBeInstanceOf(ServerError);
        expect(ServerError.is(error)).toBe(true);
        expect(error.bodyText).toContain('502 Bad Gateway');
      } else {
        expect(error.result).toContain('502 Bad Gateway'); // not JSON: AC3 keeps the text
      }
      expect(classifyError(error)).toMatchObject({ category: 'server', reason: 'bad-gateway', retryable: true });
    });
  });

  test.each([
    [{ kind: 'rate-limit' } as FaultLink.Fault, { category: 'rate-limited', retryable: true }],
    [
      { kind: 'token-expired' } as FaultLink.Fault,
      { category: 'unauthenticated', reason: 'token-expired', refreshable: true },
    ],
    [{ kind: 'conflict' } as FaultLink.Fault, { category: 'conflict', retryable: false }],
    [{ kind: 'drop' } as FaultLink.Fault, { category: 'network', reason: 'connection-reset', retryable: true }],
    [{ kind: 'drop', code: 'ECONNREFUSED' } as FaultLink.Fault, { category: 'network', reason: 'connection-refused' }],
    [{ kind: 'abort' } as FaultLink.Fault, { category: 'network', reason: 'aborted', retryable: false }],
    [{ kind: 'abort', reason: 'timeout' } as FaultLink.Fault, { category: 'network', reason: 'timeout' }],
  ])('%j is classified as %j', async (fault, expected) => {
    const out = execute(ApolloLink.from([new FaultLink([{ fault }]), server().link]));
    await flush();
    await out.done;
    expect(classifyError(out.error)).toMatchObject(expected);
  });

  test('a dropped connection is TypeError("fetch failed") with cause.code; applied: the next link ran first', async () => {
    const s = server();
    const out = execute(ApolloLink.from([new FaultLink([{ fault: { kind: 'drop', applied: true } }]), s.link]), {
      query: MUTATION,
    });
    await flush();
    await out.done;
    expect(s.requests).toHaveLength(1);
    expect(out.next).toEqual([]);
    expect(out.error).toBeInstanceOf(TypeError);
    expect(out.error).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNRESET', syscall: 'read' } });

    const unsent = server();
    const out2 = execute(
      ApolloLink.from([new FaultLink([{ fault: { kind: 'drop', code: 'ECONNREFUSED' } }]), unsent.link]),
    );
    await flush();
    await out2.done;
    expect(unsent.requests).toHaveLength(0);
    expect((out2.error as { cause: { code: string } }).cause.code).toBe('ECONNREFUSED');
  });

  test('an abort is a DOMException named AbortError', async () => {
    const out = execute(ApolloLink.from([new FaultLink([{ fault: { kind: 'abort' } }]), server().link]));
    await flush();
    await out.done;
    expect(out.error).toBeInstanceOf(DOMException);
    expect((out.error as Error).name).toBe('AbortError');
  });

  test('partial: the paths are null in data and each has an error; other fields and errors stay', async () => {
    const s = server({
      data: { po: { id: '1', supplier: 'Acme', lines: [{ qty: 1 }, { qty: 2 }] } },
      errors: [{ message: 'old', path: ['x'] }],
    });
    const out = execute(
      ApolloLink.from([
        new FaultLink([
          {
            fault: {
              kind: 'partial',
              paths: [
                ['po', 'supplier'],
                ['po', 'lines', 1, 'qty'],
              ],
            },
          },
        ]),
        s.link,
      ]),
    );
    await flush();
    await out.done;
    expect(out.next).toEqual([
      {
        data: { po: { id: '1', supplier: null, lines: [{ qty: 1 }, { qty: null }] } },
        errors: [
          { message: 'old', path: ['x'] },
          { message: 'Subgraph unavailable', path: ['po', 'supplier'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
          {
            message: 'Subgraph unavailable',
            path: ['po', 'lines', 1, 'qty'],
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          },
        ],
      },
    ]);
  });

  describe('scripting', () => {
    const query = (name: string) => parse(`query ${name} { po { id } }`);
    async function run(link: ApolloLink, name: string) {
      const out = execute(link, { query: query(name) });
      await flush();
      await out.done;
      return out.error === undefined ? 'ok' : ((out.error as { statusCode?: number }).statusCode ?? 'error');
    }

    test('match by name, list, pattern or predicate; times, skip; first matching rule wins', async () => {
      const faults = new FaultLink([
        { match: 'A', fault: { kind: 'status', status: 503 }, times: 2 },
        { match: ['B', 'C'], fault: { kind: 'status', status: 502 }, skip: 1, times: 1 },
        { match: /^Dash/, fault: { kind: 'status', status: 504 } },
        { match: (op) => op.operationName === 'E', fault: { kind: 'status', status: 500 }, times: 1 },
      ]);
      const link = ApolloLink.from([faults, server().link]);
      const seen: unknown[] = [];
      for (const name of ['A', 'A', 'A', 'B', 'B', 'C', 'DashX', 'DashY', 'E', 'E', 'F'])
        seen.push(await run(link, name));
      expect(seen).toEqual([503, 503, 'ok', 'ok', 502, 'ok', 504, 504, 500, 'ok', 'ok']);
      expect(faults.requests.map((r) => [r.operationName, r.fault, r.rule])).toEqual([
        ['A', 'status', 0],
        ['A', 'status', 0],
        ['A', undefined, undefined],
        ['B', undefined, undefined],
        ['B', 'status', 1],
        ['C', undefined, undefined],
        ['DashX', 'status', 2],
        ['DashY', 'status', 2],
        ['E', 'status', 3],
        ['E', undefined, undefined],
        ['F', undefined, undefined],
      ]);
      expect(faults.injected).toHaveLength(6);
    });

    test('add, clear and reset', async () => {
      const faults = new FaultLink([{ fault: { kind: 'status', status: 503 }, times: 1 }]);
      const link = ApolloLink.from([faults, server().link]);
      expect([await run(link, 'Q'), await run(link, 'Q')]).toEqual([503, 'ok']);
      faults.add({ match: 'Q', fault: { kind: 'status', status: 500 } });
      expect(await run(link, 'Q')).toBe(500);
      faults.clear();
      expect(await run(link, 'Q')).toBe('ok');
      faults.reset();
      expect(faults.requests).toEqual([]);
      expect([await run(link, 'Q'), await run(link, 'Q')]).toEqual([503, 'ok']);
    });

    test('probability is seeded: the same seed, the same faults; about the share asked for', async () => {
      const pattern = async (seed: number) => {
        const faults = new FaultLink([{ fault: { kind: 'status', status: 503 }, probability: 0.3 }], { seed });
        const link = ApolloLink.from([faults, server().link]);
        for (let i = 0; i < 400; i++) await run(link, 'Q');
        return faults.requests.map((r) => (r.fault ? 1 : 0)).join('');
      };
      const a = await pattern(42);
      expect(await pattern(42)).toBe(a);
      expect(await pattern(7)).not.toBe(a);
      const share = a.split('').filter((c) => c === '1').length / a.length;
      expect(share).toBeGreaterThan(0.24);
      expect(share).toBeLessThan(0.36);
    });

    test('rejects impossible rules and statuses, naming the link', () => {
      expect(() => new FaultLink([{ fault: { kind: 'slow', delayMs: 1 }, probability: 2 }])).toThrow(
        /FaultLink: probability/,
      );
      expect(() => new FaultLink([{ fault: { kind: 'status', status: 99 } }])).toThrow(/FaultLink: status 99/);
    });
  });

  describe('as the terminating link with a data resolver', () => {
    test('answers with a real 200 response (context.response set), sync or async; faults still apply', async () => {
      let operation: FaultLink.Operation | undefined;
      const faults = new FaultLink([{ match: 'Fail', fault: { kind: 'status', status: 503 } }], {
        data: async (op) => {
          operation = op;
          return { po: { id: String(op.variables.id) } };
        },
      });
      const out = execute(faults, { variables: { id: 7 } });
      await flush();
      await out.done;
      expect(out.next).toEqual([{ data: { po: { id: '7' } } }]);
      const response = (operation!.getContext() as { response?: Response }).response;
      expect(response).toBeInstanceOf(Response);
      expect([response!.status, response!.headers.get('content-type')]).toEqual([
        200,
        'application/json; charset=utf-8',
      ]);
      const failing = execute(faults, { query: parse('query Fail { po { id } }') });
      await flush();
      await failing.done;
      expect((failing.error as { statusCode: number }).statusCode).toBe(503);
    });

    test('a resolver that throws fails the request with its error', async () => {
      const out = execute(
        new FaultLink([], {
          data: () => {
            throw new Error('no fixture for Q');
          },
        }),
      );
      await flush();
      await out.done;
      expect((out.error as Error).message).toBe('no fixture for Q');
    });
  });

  describe('with the package links', () => {
    test('RetryBackoffLink retries a 503 burst of two and succeeds on the third request', async () => {
      const s = server();
      const faults = new FaultLink([{ match: 'Q', fault: { kind: 'status', status: 503 }, times: 2 }]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), faults, s.link]));
      await jest.advanceTimersByTimeAsync(1000 + 2000);
      await out.done;
      expect(faults.requests.map((r) => r.fault)).toEqual(['status', 'status', undefined]);
      expect(s.requests).toHaveLength(1);
      expect(out.next).toEqual([ok]);
    });

    test('RetryBackoffLink waits for the 429 Retry-After', async () => {
      const s = server();
      const faults = new FaultLink([{ fault: { kind: 'rate-limit', retryAfter: 5 }, times: 1 }]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), faults, s.link]));
      await flush();
      await jest.advanceTimersByTimeAsync(4999);
      expect(s.requests).toHaveLength(0);
      await jest.advanceTimersByTimeAsync(1);
      await out.done;
      expect(s.requests).toHaveLength(1);
      expect(out.next).toEqual([ok]);
    });

    test('RetryBackoffLink retries a refused mutation but not one dropped after the server applied it', async () => {
      const refused = server();
      const a = execute(
        ApolloLink.from([
          new RetryBackoffLink(noJitter),
          new FaultLink([{ fault: { kind: 'drop', code: 'ECONNREFUSED' }, times: 1 }]),
          refused.link,
        ]),
        { query: MUTATION },
      );
      await jest.advanceTimersByTimeAsync(1000);
      await a.done;
      expect(a.next).toEqual([ok]);
      expect(refused.requests).toHaveLength(1);

      const applied = server();
      const b = execute(
        ApolloLink.from([
          new RetryBackoffLink(noJitter),
          new FaultLink([{ fault: { kind: 'drop', applied: true }, times: 1 }]),
          applied.link,
        ]),
        { query: MUTATION },
      );
      await jest.advanceTimersByTimeAsync(1000);
      await b.done;
      expect(applied.requests).toHaveLength(1); // applied once, never replayed
      expect(getClassifications(b.error)[0]).toMatchObject({ category: 'network', reason: 'connection-reset' });
    });

    test('RetryBackoffLink retries partial data and merges the attempts', async () => {
      const faults = new FaultLink([{ fault: { kind: 'partial', paths: [['po', 'supplier']] }, times: 1 }]);
      const out = execute(ApolloLink.from([new RetryBackoffLink(noJitter), faults, server().link]));
      await jest.advanceTimersByTimeAsync(1000);
      await out.done;
      expect(out.next).toEqual([ok]);
    });

    test('AuthRefreshLink refreshes on the 401 and replays once with the new token', async () => {
      let token = 'old-token';
      const refresh = jest.fn(async () => (token = 'new-token'));
      const s = server();
      const faults = new FaultLink([
        {
          match: (op) => (op.getContext().headers as Record<string, string>).Authorization === 'Bearer old-token',
          fault: { kind: 'token-expired' },
        },
      ]);
      const out = execute(ApolloLink.from([new AuthRefreshLink({ getToken: () => token, refresh }), faults, s.link]));
      await flush(6);
      await out.done;
      expect(refresh).toHaveBeenCalledTimes(1);
      expect(faults.requests.map((r) => r.fault)).toEqual(['token-expired', undefined]);
      expect((s.requests[0]!.context.headers as Record<string, string>).Authorization).toBe('Bearer new-token');
      expect(out.next).toEqual([ok]);
    });
  });

  describe('teardown', () => {
    test('unsubscribing cancels a slow response: no timer left, the next link never called', async () => {
      const s = server();
      const out = execute(ApolloLink.from([new FaultLink([{ fault: { kind: 'slow', delayMs: 60_000 } }]), s.link]));
      await flush();
      expect(jest.getTimerCount()).toBe(1);
      out.unsubscribe();
      expect(jest.getTimerCount()).toBe(0);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(s.requests).toHaveLength(0);
      expect(out.next).toEqual([]);
    });

    test('a slow response arrives after its delay', async () => {
      const out = execute(
        ApolloLink.from([new FaultLink([{ fault: { kind: 'slow', delayMs: 3000 } }]), server().link]),
      );
      await jest.advanceTimersByTimeAsync(2999);
      expect(out.next).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      await out.done;
      expect(out.next).toEqual([ok]);
    });

    test("RetryBackoffLink's attempt timeout aborts the slow attempt (its timer is cleared) and the retry succeeds", async () => {
      const s = server();
      const faults = new FaultLink([{ fault: { kind: 'slow', delayMs: 60_000 }, times: 1 }]);
      const out = execute(
        ApolloLink.from([new RetryBackoffLink({ ...noJitter, attemptTimeoutMs: 5000 }), faults, s.link]),
      );
      await jest.advanceTimersByTimeAsync(5000 + 1000);
      await out.done;
      expect(out.next).toEqual([ok]);
      expect(s.requests).toHaveLength(1);
    });

    test('unsubscribing while the upstream runs unsubscribes from it', async () => {
      const s = scripted(() => undefined); // never answers
      const out = execute(ApolloLink.from([new FaultLink([{ fault: { kind: 'partial', paths: [['po']] } }]), s.link]));
      await flush();
      out.unsubscribe();
      expect(s.teardowns.count).toBe(1);
    });
  });
});

/** The response a status fault sends, rebuilt for the reference link. */
function responseSpecOf(fault: FaultLink.Fault) {
  const typical: Record<string, [number, unknown, Record<string, string>]> = {
    'rate-limit': [
      429,
      { errors: [{ message: 'Too many requests, please retry later', extensions: { code: 'RATE_LIMITED' } }] },
      { 'retry-after': String((fault as FaultLink.RateLimitFault).retryAfter ?? 1) },
    ],
    'token-expired': [
      401,
      { errors: [{ message: 'Token is expired', extensions: { code: 'UNAUTHENTICATED' } }] },
      { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' },
    ],
    conflict: [
      409,
      {
        errors: [
          { message: 'Etag mismatch: the record was changed by someone else', extensions: { code: 'CONFLICT' } },
        ],
      },
      {},
    ],
  };
  if (fault.kind === 'status') {
    const body =
      fault.body ??
      `<html><head><title>${fault.status} ${fault.status === 503 ? 'Service Unavailable' : fault.status === 502 ? 'Bad Gateway' : ''}</title></head><body><center><h1>${fault.status} ${fault.status === 503 ? 'Service Unavailable' : fault.status === 502 ? 'Bad Gateway' : ''}</h1></center><hr><center>nginx</center></body></html>`;
    return responseSpec(fault.status, body, fault.contentType, fault.headers);
  }
  const [status, body, headers] = typical[fault.kind]!;
  return responseSpec(status, body, undefined, headers);
}
