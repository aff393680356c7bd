import { ApolloLink } from '@apollo/client/core/index.js';
import fc from 'fast-check';
import { MUTATION, QUERY, execute, scripted } from '../../__testUtils__/harness';
import { RetryBackoffLink } from '../RetryBackoffLink';

const failure = (status: number) =>
  Object.assign(new Error(`status ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: '',
    response: { status, headers: new Headers() },
  });
const answers = fc.array(
  fc.oneof(
    fc.constantFrom(200, 400, 401, 404, 409, 422, 429, 500, 502, 503, 504).map((status) => ({ status })),
    fc.constant({ partial: true }),
    fc.constant({ silent: true }),
  ),
  { minLength: 1, maxLength: 8 },
);

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('RetryBackoffLink properties', () => {
  test('every operation ends in exactly one terminal event, within maxAttempts, leaving no timer', async () => {
    await fc.assert(
      fc.asyncProperty(
        answers,
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        fc.boolean(),
        async (script, maxAttempts, isMutation, unsubscribeEarly) => {
          const s = scripted((sink, n) => {
            const a = script[Math.min(n, script.length) - 1]!;
            if ('silent' in a) return; // never answers: the attempt timeout must end it
            if ('partial' in a) {
              sink.next({
                data: { po: { id: '1', supplier: null } },
                errors: [{ message: 'down', path: ['po', 'supplier'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
              });
              return sink.complete();
            }
            if (a.status === 200) {
              sink.next({ data: { po: { id: '1', supplier: 'x' } } });
              return sink.complete();
            }
            sink.error(failure(a.status));
          });
          const link = new RetryBackoffLink({
            maxAttempts,
            initialDelayMs: 100,
            attemptTimeoutMs: 1000,
            budget: false,
            circuitBreaker: false,
            mutations: 'always',
          });
          let terminal = 0;
          const out = execute(ApolloLink.from([link, s.link]), { query: isMutation ? MUTATION : QUERY });
          const counted = out.done.then(() => {
            terminal = (out.complete ? 1 : 0) + (out.error !== undefined ? 1 : 0);
          });
          if (unsubscribeEarly) {
            await jest.advanceTimersByTimeAsync(150);
            out.unsubscribe();
            await jest.advanceTimersByTimeAsync(60_000);
            expect(jest.getTimerCount()).toBe(0);
            expect(s.requests.length).toBeLessThanOrEqual(maxAttempts);
            return;
          }
          await jest.advanceTimersByTimeAsync(60_000);
          await counted;
          expect(terminal).toBe(1);
          expect(s.requests.length).toBeLessThanOrEqual(maxAttempts);
          expect(jest.getTimerCount()).toBe(0);
        },
      ),
      { seed: 11, numRuns: 150 },
    );
  });
});
