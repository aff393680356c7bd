// A rule FaultLink cannot turn into a response fails at construction (or `add`), naming the link,
// whether or not it has a delay; and whatever still throws while a fault is acted on, delayed or
// not, ends that request with the error instead of escaping a timer and leaving it open.
import { ApolloLink } from '@apollo/client/core/index.js';
import { execute, flush, scripted, useFakeTimersAndCheckTeardown } from '../../__testUtils__/harness';
import { FaultLink } from '../FaultLink';

useFakeTimersAndCheckTeardown();

type Sink = { next(v: unknown): void; error(e: unknown): void; complete(): void };
const server = () => scripted((sink: Sink) => (sink.next({ data: { po: null } }), sink.complete()));
const DELAYS = [0, 10];

const BAD: Array<[string, FaultLink.Fault, RegExp]> = [
  ['status 600', { kind: 'status', status: 600 }, /FaultLink: status 600/],
  ['status 199', { kind: 'status', status: 199 }, /FaultLink: status 199/],
  ['status 204 (no body allowed)', { kind: 'status', status: 204 }, /FaultLink: status 204/],
  ['status 205', { kind: 'status', status: 205 }, /FaultLink: status 205/],
  ['status 304', { kind: 'status', status: 304 }, /FaultLink: status 304/],
  ['status 500.5', { kind: 'status', status: 500.5 }, /FaultLink: status 500.5/],
  ['status NaN', { kind: 'status', status: NaN }, /FaultLink: status NaN/],
  ['a Retry-After with CRLF', { kind: 'rate-limit', retryAfter: '1\r\nX: 1' }, /FaultLink: .*retry-after/],
  ['a header value with LF', { kind: 'status', status: 503, headers: { etag: 'a\nb' } }, /FaultLink: .*etag/],
  ['a header value with NUL', { kind: 'conflict', headers: { etag: 'a\0b' } }, /FaultLink: .*etag/],
  ['a header value beyond Latin-1', { kind: 'token-expired', headers: { 'x-note': '→' } }, /FaultLink: .*x-note/],
  ['a header name with a space', { kind: 'status', status: 503, headers: { 'x note': '1' } }, /FaultLink: .*x note/],
  ['a content type with CRLF', { kind: 'status', status: 503, contentType: 'text/html\r\nX: 1' }, /content-type/],
];

describe.each(DELAYS)('delayMs %s', (delayMs) => {
  test.each(BAD)('%s fails at construction and at add()', (_name, fault, message) => {
    const rule = { fault: { ...fault, delayMs } as FaultLink.Fault };
    expect(() => new FaultLink([rule])).toThrow(message);
    expect(() => new FaultLink().add(rule)).toThrow(message);
  });

  test.each<[string, FaultLink.Fault, number]>([
    ['status 200', { kind: 'status', status: 200, body: { data: { po: null } } }, 200],
    ['status 599', { kind: 'status', status: 599 }, 599],
    [
      'status 418 with valid headers',
      { kind: 'status', status: 418, headers: { etag: '"v1"\t', 'x-note': 'café' } },
      418,
    ],
    ['a Retry-After HTTP-date', { kind: 'rate-limit', retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' }, 429],
  ])('%s is accepted and answered', async (_name, fault, status) => {
    const out = execute(
      ApolloLink.from([new FaultLink([{ fault: { ...fault, delayMs } as FaultLink.Fault }]), server().link]),
    );
    await flush();
    await jest.advanceTimersByTimeAsync(delayMs);
    await out.done;
    if (status === 200) expect(out.next).toEqual([{ data: { po: null } }]);
    else expect((out.error as { statusCode?: number }).statusCode).toBe(status);
  });

  test('a fault that throws as it is acted on (a body JSON cannot write) ends the request with that error', async () => {
    const link = new FaultLink([{ fault: { kind: 'status', status: 503, body: { n: 1n }, delayMs } }]);
    const s = server();
    const out = execute(ApolloLink.from([link, s.link]));
    await flush();
    await jest.advanceTimersByTimeAsync(delayMs);
    await out.done;
    expect(out.error).toBeInstanceOf(TypeError);
    expect(s.requests).toHaveLength(0);
  });
});
