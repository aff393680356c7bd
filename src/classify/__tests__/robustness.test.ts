import { classifyError, classifyErrors } from '../classifyError';
import { parseRetryAfter } from '../retryAfter';
import { redact } from '../redact';
import type { ClassificationRule } from '../types';

const withCause = (message: string, code: string) =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(message), { code }) });

describe('network failures', () => {
  test.each([
    ['ECONNREFUSED', withCause('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'), 'connection-refused'],
    ['ECONNRESET', withCause('read ECONNRESET', 'ECONNRESET'), 'connection-reset'],
    ['undici socket closed', withCause('other side closed', 'UND_ERR_SOCKET'), 'connection-reset'],
    ['ETIMEDOUT', withCause('connect ETIMEDOUT', 'ETIMEDOUT'), 'timeout'],
    ['ENOTFOUND', withCause('getaddrinfo ENOTFOUND ion.example', 'ENOTFOUND'), 'dns'],
    ['AbortError', Object.assign(new Error('This operation was aborted'), { name: 'AbortError' }), 'aborted'],
    ['TimeoutError', Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' }), 'timeout'],
    ['browser "Failed to fetch"', new TypeError('Failed to fetch'), 'fetch-failed'],
  ])('%s', (_name, error, reason) => {
    const c = classifyError(error);
    expect(c).toMatchObject({ category: 'network', reason });
    expect(c.retryable).toBe(reason !== 'aborted');
    expect(c.status).toBeUndefined();
  });
});

describe('bad input never throws and is still classified', () => {
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
      has() {
        throw new Error('boom');
      },
      ownKeys() {
        throw new Error('boom');
      },
    },
  );
  const deep: Record<string, unknown> = {};
  let cursor = deep;
  for (let i = 0; i < 10_000; i++) {
    cursor.errors = {};
    cursor = cursor.errors as Record<string, unknown>;
  }
  test.each<[string, unknown]>([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a symbol', Symbol('x')],
    ['an empty object', {}],
    ['an array', [1, 2, 3]],
    ['errors that is a string', { data: { a: 1 }, errors: 'boom' }],
    ['errors that is an object', { data: null, errors: { message: 'nope' } }],
    ['errors with a null entry', { errors: [null] }],
    ['errors with a number entry', { errors: [7] }],
    ['an error without a message', { errors: [{ extensions: { code: 42 } }] }],
    ['a message that is an object', { errors: [{ message: { nested: true } }] }],
    ['a throwing proxy', hostile],
    ['deeply nested errors', deep],
    ['truncated JSON body', { name: 'ServerError', statusCode: 200, bodyText: '{"data":{"a":1},"errors":[{"mess' }],
    ['an HTML 200 page', { name: 'ServerError', statusCode: 200, bodyText: '<html><body>Login</body></html>' }],
    ['an absurdly long message', { errors: [{ message: 'x'.repeat(5_000_000) }] }],
    ['10k errors', { errors: Array.from({ length: 10_000 }, (_, i) => ({ message: `e${i}` })) }],
  ])('%s', (_name, input) => {
    const c = classifyError(input);
    // Garbage is never a server, network or auth failure: nothing to retry or refresh.
    expect(['unknown', 'bad-request']).toContain(c.category);
    expect(c.retryable).toBe(false);
    expect(c.refreshable).toBe(false);
    expect(typeof c.remediation).toBe('string');
    expect(c.remediation.length).toBeGreaterThan(10);
    expect(c.message.length).toBeLessThan(2100);
  });
  test('garbage classifies as unknown or bad-request, never retryable', () => {
    for (const input of [
      undefined,
      null,
      42,
      {},
      [1],
      { errors: 'boom' },
      { name: 'ServerError', statusCode: 200, bodyText: '{"data":' },
    ]) {
      const c = classifyError(input);
      expect(['unknown', 'bad-request']).toContain(c.category);
      expect(c.retryable).toBe(false);
    }
  });
  test('truncated JSON in a 200 is an unparseable response', () => {
    expect(classifyError({ name: 'ServerError', statusCode: 200, bodyText: '{"data":{"a":1},"err' })).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
    });
  });
  test('10k errors are capped, not classified one by one', () => {
    expect(classifyErrors({ errors: Array.from({ length: 10_000 }, () => ({ message: 'x' })) }).length).toBe(50);
  });
});

describe('redaction', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImV4cCI6MTl9.c2lnbmF0dXJl';
  test.each([
    [`Invalid token Bearer ${jwt}`],
    [`token ${jwt} is expired`],
    ['Authorization: Bearer abc123def456ghi789 rejected'],
    ['access_token=sk_live_123456789 was revoked'],
    ['{"client_secret":"s3cr3t-value-xyz"} is wrong'],
  ])('%s', (message) => {
    const c = classifyError({ errors: [{ message }] });
    expect(c.message).not.toMatch(/eyJhbGci|abc123def456|sk_live_123456789|s3cr3t-value-xyz/);
    expect(c.message).toMatch(/redacted/);
  });
  test('explicit secrets are removed wherever they appear', () => {
    expect(redact('key is opaque-token-value-1 here', ['opaque-token-value-1'])).toBe('key is [redacted] here');
  });
  test('ordinary wording stays readable', () => {
    expect(redact('Bearer token expired')).toBe('Bearer token expired');
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  test.each<[unknown, number | undefined]>([
    ['0', 0],
    ['5', 5000],
    [' 12 ', 12000],
    ['1.5', 1500],
    [3, 3000],
    ['-1', undefined],
    ['abc', undefined],
    ['', undefined],
    [null, undefined],
    ['99999999999', 86_400_000],
    [new Date(now + 30_000).toUTCString(), 30_000],
    [new Date(now - 30_000).toUTCString(), 0],
    ['Wed, 99 Foo 2026 99:99:99 GMT', undefined],
    [new Date(now + 10 * 86_400_000).toUTCString(), 86_400_000],
    [NaN, undefined],
    [Infinity, undefined],
  ])('%p → %p', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe('user rules come first', () => {
  test('a user rule overrides the built-in table, and a throwing rule is skipped', () => {
    const rules: ClassificationRule[] = [
      {
        id: 'broken',
        match: () => {
          throw new Error('bad rule');
        },
        classify: { category: 'unknown' },
      },
      {
        id: 'acme/maintenance',
        match: { code: 'MAINTENANCE' },
        classify: {
          category: 'server',
          reason: 'maintenance',
          remediation: 'The system is in maintenance until 18:00; try again later.',
        },
      },
    ];
    expect(
      classifyError({ errors: [{ message: 'down', extensions: { code: 'MAINTENANCE' } }] }, { rules }),
    ).toMatchObject({ category: 'server', reason: 'maintenance', retryable: true });
    expect(classifyError({ errors: [{ message: 'down', extensions: { code: 'MAINTENANCE' } }] })).toMatchObject({
      category: 'unknown',
    });
  });
});

describe('partial data', () => {
  test('each error of a partial result is classified with its path', () => {
    const list = classifyErrors({
      data: { po: { id: '1', supplier: null } },
      errors: [
        {
          message: 'Supplier service unavailable',
          path: ['po', 'supplier'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
        { message: 'Token is expired' },
      ],
    });
    expect(list.map((c) => [c.category, c.path])).toEqual([
      ['server', ['po', 'supplier']],
      ['unauthenticated', undefined],
    ]);
    expect(
      classifyError({
        errors: [{ message: 'x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { message: 'Token is expired' }],
      }).category,
    ).toBe('unauthenticated');
  });
});
