// One verdict per error (#14 point 2, DESIGN §5 "Precedence"): each link used alone reaches the same
// category / retryable / refreshable as `classifyError`, i.e. it behaves exactly as it does with an
// ErrorClassifyLink below it (whose annotations are `classifyError`'s verdicts). Property tests over
// the seed corpus and the fuzz corpus of server answers.
import { ApolloLink } from '@apollo/client/core/index.js';
import fc from 'fast-check';
import { serverAnswer, type ServerAnswer } from '../../tests/fuzz/serverAnswers';
import { AuthRefreshLink } from '../auth/AuthRefreshLink';
import { classifyError, classifyErrors } from '../classify/classifyError';
import { ErrorClassifyLink } from '../classify/ErrorClassifyLink';
import { EtagConflictLink } from '../etag/EtagConflictLink';
import { RetryBackoffLink } from '../retry/RetryBackoffLink';
import { MUTATION, QUERY, execute, scripted, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';

useFakeTimersAndCheckTeardown();

type Emission = { kind: 'result'; value: unknown } | { kind: 'error'; value: unknown };

/** What HttpLink hands the links for one server answer: a result (2xx JSON object), or an AC4/AC3 ServerError. */
function emissionOf(answer: ServerAnswer, ac3: boolean): Emission {
  const headers = new Headers(
    answer.retryAfter === null ? {} : { 'retry-after': answer.retryAfter.replace(/[^\x20-\x7e]/g, '') },
  );
  let parsed: unknown;
  try {
    parsed = answer.body.length < 100_000 ? JSON.parse(answer.body) : undefined;
  } catch {
    parsed = undefined;
  }
  if (answer.status < 300 && typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
    return { kind: 'result', value: parsed };
  const base = Object.assign(new Error(`Response not successful: Received status code ${answer.status}`), {
    name: 'ServerError',
    statusCode: answer.status,
    response: { status: answer.status, headers },
  });
  return {
    kind: 'error',
    value: ac3
      ? Object.assign(base, { result: parsed ?? answer.body })
      : Object.assign(base, { bodyText: answer.body }),
  };
}

const SEED_MESSAGES = [
  'Token is expired',
  'Please provide proper credentials',
  'Unable to find appropriate RSA key',
  'User a@b.c is deactivated',
  'User does not have permission to perform UPDATE on Purchase Order.',
  'Purchase order 42 not found',
  'Organization is read-only (billing freeze)',
  'Concurrent modification detected — etag mismatch.',
  'PartInventory quantity must be greater than 0.',
  'You must be logged in',
  'Too many requests',
  '2FA is required',
  'SSO is required',
  'Invalid value',
  'Internal server error',
  '',
];
const SEED_CODES = [
  undefined,
  'UNAUTHENTICATED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'VALIDATION_ERROR',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
  'THROTTLED',
  'TOO_MANY_REQUESTS',
  'UNAVAILABLE',
  'INTERNAL',
  'TOKEN_EXPIRED',
  'AUTH_NOT_AUTHENTICATED',
  'PERMISSION_DENIED',
  'CONFLICT',
];
/** The seed documents' rows as server answers: ION/extensions.code errors, IXON envelopes, HTML pages, any status. */
const seedAnswer: fc.Arbitrary<ServerAnswer> = fc.record({
  status: fc.constantFrom(200, 400, 401, 403, 404, 409, 412, 422, 429, 500, 502, 503, 504),
  contentType: fc.constant('application/json'),
  retryAfter: fc.constantFrom(null, '1'),
  body: fc.oneof(
    fc
      .array(fc.record({ message: fc.constantFrom(...SEED_MESSAGES), code: fc.constantFrom(...SEED_CODES) }), {
        minLength: 1,
        maxLength: 3,
      })
      .map((errors) =>
        JSON.stringify({
          data: null,
          errors: errors.map(({ message, code }) => ({ message, ...(code ? { extensions: { code } } : {}) })),
        }),
      ),
    fc
      .array(
        fc.record({
          message: fc.constantFrom(...SEED_MESSAGES),
          propertyName: fc.constantFrom(undefined, 'Authorization', 'Api-Company'),
        }),
        { minLength: 1, maxLength: 2 },
      )
      .map((data) => JSON.stringify({ type: 'Error', status: 'error', data })),
    fc.constantFrom('', '<html><title>502 Bad Gateway</title></html>'),
  ),
});

/** classifyError's verdicts for what the links see: a transport error, or the `errors` of a GraphQL result. */
function verdictsOf(first: Emission) {
  if (first.kind === 'error') return classifyErrors(first.value);
  const errors = (first.value as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 ? classifyErrors({ errors }) : [];
}

const OK = { data: { po: { id: '1', supplier: 'acme', _etag: 'e2' } } };

/** Runs `link` (with or without an ErrorClassifyLink below it) against a first attempt that emits `first`. */
async function run(top: ApolloLink, classifyBelow: boolean, first: Emission, mutation = false) {
  const s = scripted((sink, attempt) => {
    if (attempt === 1) {
      if (first.kind === 'result') {
        sink.next(first.value);
        sink.complete();
      } else sink.error(first.value);
    } else {
      sink.next(OK);
      sink.complete();
    }
  });
  const link = ApolloLink.from(classifyBelow ? [top, new ErrorClassifyLink(), s.link] : [top, s.link]);
  const out = execute(link, {
    query: mutation ? MUTATION : QUERY,
    variables: { id: '1', _etag: 'e1' },
    operationName: mutation ? 'M' : 'Q',
  });
  await jest.advanceTimersByTimeAsync(50);
  out.unsubscribe();
  await jest.advanceTimersByTimeAsync(0);
  return { requests: s.requests.length, settled: out.complete || out.error !== undefined };
}

const retryLink = () =>
  new RetryBackoffLink({
    maxAttempts: 2,
    initialDelayMs: 1,
    jitter: false,
    respectRetryAfter: false,
    budget: false,
    circuitBreaker: false,
  });
const authLink = (refresh: jest.Mock) => new AuthRefreshLink({ getToken: () => 'first-token-aaaa', refresh });
const etagLink = () =>
  new EtagConflictLink({
    mutations: { M: { reread: () => ({ query: QUERY, variables: { id: '1' } }) } },
    maxAttempts: 1,
  });

const corpora: Array<[string, fc.Arbitrary<ServerAnswer>]> = [
  ['seed corpus', seedAnswer],
  ['fuzz corpus', serverAnswer],
];

describe.each(corpora)('a link alone agrees with classifyError (%s)', (_name, corpus) => {
  const input = fc.tuple(corpus, fc.boolean()).map(([answer, ac3]) => emissionOf(answer, ac3));

  test("RetryBackoffLink retries exactly when it would on classifyError's verdict", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (first) => {
        const alone = await run(retryLink(), false, first);
        const chained = await run(retryLink(), true, first);
        expect(alone).toEqual(chained);
        // … and that verdict decides: a transport error is retried when its primary classification is
        // retryable, a result when every error it carries is.
        const verdicts = verdictsOf(first);
        const retried =
          first.kind === 'error'
            ? classifyError(first.value).retryable
            : verdicts.length > 0 && verdicts.every((c) => c.retryable);
        expect(alone.requests).toBe(retried ? 2 : 1);
      }),
      { seed: 14, numRuns: 150 },
    );
  });

  test("AuthRefreshLink refreshes exactly when it would on classifyError's verdict", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (first) => {
        const refreshAlone = jest.fn(async () => 'second-token-bbbb');
        const refreshChained = jest.fn(async () => 'second-token-bbbb');
        const alone = await run(authLink(refreshAlone), false, first);
        const chained = await run(authLink(refreshChained), true, first);
        expect(alone).toEqual(chained);
        expect(refreshAlone.mock.calls.length).toBe(refreshChained.mock.calls.length);
        const refreshable = verdictsOf(first).some((c) => c.category === 'unauthenticated' && c.refreshable);
        expect(refreshAlone.mock.calls.length).toBe(refreshable ? 1 : 0);
      }),
      { seed: 14, numRuns: 150 },
    );
  });

  test("EtagConflictLink re-reads exactly when it would on classifyError's verdict", async () => {
    await fc.assert(
      fc.asyncProperty(input, async (first) => {
        const alone = await run(etagLink(), false, first, true);
        const chained = await run(etagLink(), true, first, true);
        expect(alone).toEqual(chained);
        const conflict = verdictsOf(first).some((c) => c.category === 'conflict');
        expect(alone.requests > 1).toBe(conflict);
      }),
      { seed: 14, numRuns: 150 },
    );
  });
});
