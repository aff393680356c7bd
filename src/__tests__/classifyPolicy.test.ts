// The classify policy (ErrorClassifyLink, and the innermost policy of createResilienceLink): a
// result with errors is classified with the HTTP response it came in (status, headers), and
// everything else passes through as the link below sent it.
import { ApolloLink, Observable } from '@apollo/client/core/index.js';
import { ErrorClassifyLink } from '../classify/ErrorClassifyLink';
import { getClassifications } from '../classify/getClassifications';
import { createResilienceLink } from '../createResilienceLink';
import type { Sink } from '../__testUtils__/fixtures';
import { execute, flush, useFakeTimersAndCheckTeardown } from '../__testUtils__/harness';

/** A link below that stores `response` in the context, as HttpLink does, then emits `result`. */
function responding(result: unknown, response?: { status: number; headers?: Record<string, string> }) {
  return new ApolloLink(
    (operation) =>
      new Observable((sink: Sink) => {
        if (response)
          operation.setContext({ response: { status: response.status, headers: new Headers(response.headers) } });
        sink.next(result);
        sink.complete();
      }) as never,
  );
}

const errorsOnly = () => ({ data: null, errors: [{ message: 'something happened' }] });

useFakeTimersAndCheckTeardown();

describe.each([
  ['ErrorClassifyLink', () => new ErrorClassifyLink()],
  ['createResilienceLink', () => createResilienceLink({ retry: false })],
])('%s', (_name, link) => {
  test.each<[string, { status: number; headers?: Record<string, string> } | undefined, Record<string, unknown>]>([
    ['no response in the context', undefined, { category: 'unknown' }],
    ['a 200 response', { status: 200 }, { category: 'unknown' }],
    ['a 401 graphql-response+json result', { status: 401 }, { category: 'unauthenticated' }],
    [
      'a 429 with Retry-After',
      { status: 429, headers: { 'retry-after': '7' } },
      { category: 'rate-limited', retryable: true, details: { retryAfterMs: 7000 } },
    ],
    ['a 503', { status: 503 }, { category: 'server', retryable: true }],
  ])('a result with errors and %s', async (_case, response, expected) => {
    const result = errorsOnly();
    const out = execute(ApolloLink.from([link(), responding(result, response)]));
    await flush();
    await out.done;
    expect(out.next).toEqual([result]);
    expect(out.next[0]).toBe(result);
    expect(getClassifications(out.next[0])[0]).toMatchObject(expected);
    expect(out.complete).toBe(true);
  });

  test('a result without errors passes through as it is', async () => {
    const result = { data: { po: { id: '1' } } };
    const out = execute(ApolloLink.from([link(), responding(result, { status: 200 })]));
    await flush();
    await out.done;
    expect(out.next).toEqual([result]);
    expect(out.next[0]).toBe(result);
    expect(Object.getOwnPropertyNames(out.next[0])).toEqual(['data']);
  });
});
