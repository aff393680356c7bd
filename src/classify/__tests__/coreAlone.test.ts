import { attachClassifications } from '../annotations';
import { classifyErrors } from '../classifyError';
import type { Classification } from '../types';

const serverError = (status: number, bodyText = '', headers: Record<string, string> = {}) =>
  Object.assign(new Error(`status ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText,
    response: { status, headers: new Headers(headers) },
  });
const body = (message: string, code?: string) =>
  JSON.stringify({ errors: [{ message, ...(code ? { extensions: { code } } : {}) }] });

describe('classifyErrors with the core alone (what a link used alone sees)', () => {
  test.each<[string, unknown, Partial<Classification>]>([
    ['503', serverError(503), { category: 'server', reason: 'service-unavailable', retryable: true }],
    [
      '502 HTML',
      serverError(502, '<html>bad gateway</html>'),
      { category: 'server', reason: 'bad-gateway', retryable: true },
    ],
    [
      '429 + Retry-After',
      serverError(429, '', { 'Retry-After': '4' }),
      { category: 'rate-limited', retryable: true, details: { retryAfterMs: 4000 } },
    ],
    [
      '401 expired',
      serverError(401, body('Token is expired')),
      { category: 'unauthenticated', reason: 'token-expired', refreshable: true },
    ],
    [
      '401 deactivated',
      serverError(401, body('User a@b.c is deactivated')),
      { category: 'unauthenticated', reason: 'user-deactivated', refreshable: false },
    ],
    [
      '401 REST 2FA',
      serverError(401, JSON.stringify({ type: 'Error', status: 'error', data: [{ message: '2FA is required' }] })),
      { category: 'unauthenticated', reason: 'two-factor-required', refreshable: false },
    ],
    ['401 bare', serverError(401), { category: 'unauthenticated', refreshable: true }],
    [
      '409',
      serverError(409, body('Concurrent modification detected — etag mismatch.')),
      { category: 'conflict', reason: 'etag-mismatch', retryable: false },
    ],
    [
      '200 UNAUTHENTICATED',
      { errors: [{ message: 'nope', extensions: { code: 'UNAUTHENTICATED' } }] },
      { category: 'unauthenticated', refreshable: true },
    ],
    [
      '200 RATE_LIMITED',
      { errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] },
      { category: 'rate-limited', retryable: true, status: 429 },
    ],
    [
      '200 etag message',
      { errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] },
      { category: 'conflict' },
    ],
    [
      'ECONNREFUSED',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }),
      { category: 'network', reason: 'connection-refused', retryable: true },
    ],
    [
      'ECONNRESET',
      Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
      { category: 'network', reason: 'connection-reset' },
    ],
    [
      'AbortError',
      Object.assign(new Error('aborted'), { name: 'AbortError' }),
      { category: 'network', reason: 'aborted', retryable: false },
    ],
    ['Failed to fetch', new TypeError('Failed to fetch'), { category: 'network', reason: 'fetch-failed' }],
    ['garbage', 42, { category: 'bad-request', reason: 'unexpected-response', retryable: false }],
    ['null', null, { category: 'bad-request', retryable: false }],
    [
      'an annotation wins',
      attachClassifications(serverError(503), [
        {
          category: 'forbidden',
          message: 'x',
          retryable: false,
          refreshable: false,
          remediation: 'Ask an admin for it.',
        },
      ]),
      { category: 'forbidden' },
    ],
    [
      'an enumerable classification field is not an annotation',
      Object.assign(serverError(503), {
        classification: {
          category: 'forbidden',
          message: 'x',
          retryable: false,
          refreshable: false,
          remediation: 'Ask an admin for it.',
        },
      }),
      { category: 'server' },
    ],
  ])('%s', (_n, input, expected) => {
    expect(classifyErrors(input)[0]).toMatchObject(expected);
  });
  test('redacts secrets and tokens', () => {
    expect(
      classifyErrors(serverError(401, body('bad token abcdef123456')), { secrets: ['abcdef123456'] })[0]!.message,
    ).not.toContain('abcdef123456');
  });
});
