// What the classifier reads from a server answer before any table decides (facts.ts): the body
// kinds a real API or proxy sends (problem+json, REST envelopes, OAuth, HTML and XML error pages,
// plain text, oversized JSON), the status inside a GraphQL error, system codes deep in a cause
// chain, and where Retry-After comes from. Each case is a body as a server or runtime sends it.
import { classifyError, classifyErrors } from '../classifyError';
import { serverErrorWithBody as server } from '../../__testUtils__/fixtures';

describe('JSON bodies that are not GraphQL', () => {
  test.each<[string, number, unknown, Record<string, unknown>]>([
    [
      'problem+json: detail before title',
      404,
      { type: 'about:blank', title: 'Not Found', detail: 'Part 42 does not exist', status: 404 },
      { category: 'not-found', message: 'Part 42 does not exist', status: 404 },
    ],
    [
      'problem+json: title alone',
      503,
      { type: 'about:blank', title: 'Service Unavailable', status: 503 },
      { category: 'server', message: 'Service Unavailable', retryable: true },
    ],
    [
      'message before detail',
      401,
      { message: 'Invalid API key', detail: 'other words' },
      { category: 'unauthenticated', message: 'Invalid API key' },
    ],
    [
      'a code in the body decides like extensions.code',
      400,
      { message: 'Sign in first', code: 'UNAUTHENTICATED' },
      { category: 'unauthenticated', code: 'UNAUTHENTICATED', refreshable: true, status: 400 },
    ],
    [
      'extensions.code before the body code',
      400,
      { message: 'Slow down', code: 'BAD_REQUEST', extensions: { code: 'RATE_LIMITED' } },
      { category: 'rate-limited', code: 'RATE_LIMITED', retryable: true },
    ],
    [
      'an OAuth error without a description',
      400,
      { error: 'invalid_grant' },
      { category: 'unauthenticated', reason: 'invalid-grant', message: 'invalid_grant', code: 'invalid_grant' },
    ],
    [
      'a REST envelope said by its status field alone',
      401,
      { status: 'error', data: [{ message: 'Token is expired' }] },
      { category: 'unauthenticated', reason: 'token-expired', message: 'Token is expired' },
    ],
    [
      'a REST envelope said by its type alone',
      400,
      { type: 'Error', data: [{ message: 'Invalid value', propertyName: 'Api-Application' }] },
      { category: 'bad-request', code: 'Api-Application', message: 'Invalid value' },
    ],
    [
      'an envelope with no entries is a plain JSON body',
      502,
      { type: 'Error', status: 'error', data: [], message: 'Upstream failed' },
      { category: 'server', reason: 'bad-gateway', message: 'Upstream failed' },
    ],
  ])('%s (HTTP %i)', (_name, status, body, expected) => {
    expect(classifyError(server(status, JSON.stringify(body)))).toMatchObject(expected);
    expect(classifyError({ status, body })).toMatchObject(expected);
  });

  test('every entry of a REST envelope is one classification, with its propertyName as code', () => {
    const body = {
      type: 'Error',
      status: 'error',
      data: [{ message: 'Required header', propertyName: 'Api-Company' }, { message: 'Token is expired' }],
    };
    expect(classifyErrors(server(401, JSON.stringify(body))).map((c) => [c.code, c.reason])).toEqual([
      ['Api-Company', 'invalid-token'],
      [undefined, 'token-expired'],
    ]);
  });
});

describe('GraphQL errors', () => {
  test('extensions.http.status is the status when the response had none (Apollo Server, Yoga)', () => {
    const gone = { errors: [{ message: 'Gone', extensions: { http: { status: 404 } } }] };
    expect(classifyError(gone)).toMatchObject({ category: 'not-found', status: 404 });
    expect(classifyError(server(500, JSON.stringify(gone)))).toMatchObject({ category: 'server', status: 500 });
    expect(classifyError({ errors: [{ message: 'x', extensions: { http: { status: '404' } } }] })).toMatchObject({
      category: 'unknown',
    });
  });
  test('an error that is a bare string is its message', () => {
    expect(classifyError({ data: null, errors: ['Token is expired'] })).toMatchObject({
      category: 'unauthenticated',
      reason: 'token-expired',
      message: 'Token is expired',
    });
  });
  test('a path is kept only when it is a list of names and indexes', () => {
    expect(classifyError({ errors: [{ message: 'x', path: ['orders', 0, 'total'] }] }).path).toEqual([
      'orders',
      0,
      'total',
    ]);
    expect(classifyError({ errors: [{ message: 'x', path: ['orders', { i: 0 }] }] }).path).toBeUndefined();
    expect(classifyError({ errors: [{ message: 'x', path: 'orders.0' }] }).path).toBeUndefined();
  });
});

describe('text bodies: HTML and XML error pages, proxy text, oversized JSON', () => {
  test.each<[string, string, string]>([
    [
      'a doctype, upper case, after blank lines',
      '\n\n  <!DOCTYPE HTML><html><title>Bad Gateway</title></html>',
      'HTML error page: Bad Gateway',
    ],
    [
      '<html> with a title that has attributes',
      '<html lang="en"><head><title id="t"> Maintenance </title></head></html>',
      'HTML error page: Maintenance',
    ],
    ['<head> first', '<head><title>Down</title></head>', 'HTML error page: Down'],
    ['<body> first, no title', '<body>Service unavailable</body>', 'HTML error page'],
    ['<h1> first', '<h1>503 Service Temporarily Unavailable</h1>', 'HTML error page'],
    ['<title> first', '<title>Error 503</title>', 'HTML error page: Error 503'],
    [
      'an XML error (S3, CloudFront)',
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code></Error>',
      'HTML error page',
    ],
  ])('%s', (_name, body, message) => {
    expect(classifyError(server(503, body))).toMatchObject({
      category: 'server',
      reason: 'service-unavailable',
      message,
      details: { body: 'html' },
    });
  });
  test('a title past the first 4096 characters, or longer than 2000, is not read', () => {
    expect(classifyError(server(502, `<html>${' '.repeat(4100)}<title>Late</title></html>`)).message).toBe(
      'HTML error page',
    );
    expect(classifyError(server(502, `<html><title>${'t'.repeat(2001)}</title></html>`)).message).toBe(
      'HTML error page',
    );
  });
  test('a page whose markup starts after 200 characters of text is text', () => {
    expect(classifyError(server(503, `${'x'.repeat(201)}<html></html>`)).details).toEqual({ body: 'text' });
  });
  test("a proxy's plain text (Envoy) is the message", () => {
    expect(classifyError(server(503, 'upstream connect error or disconnect/reset before headers'))).toMatchObject({
      category: 'server',
      message: 'upstream connect error or disconnect/reset before headers',
      details: { body: 'text' },
    });
  });
  test('an empty or blank body is no message: the default one is used', () => {
    for (const body of ['', '   \n'])
      expect(classifyError(server(429, body))).toMatchObject({
        category: 'rate-limited',
        message: 'Rate limited error (HTTP 429), no message',
        details: { body: 'empty' },
      });
  });
  test('JSON longer than 1,000,000 characters is not parsed (bounded cost)', () => {
    const errors = [{ message: 'x', extensions: { code: 'UNAUTHENTICATED' } }];
    const small = JSON.stringify({ errors });
    expect(classifyError(server(200, small)).category).toBe('unauthenticated');
    const big = JSON.stringify({ errors, pad: 'p'.repeat(1_000_000) });
    expect(classifyError(server(200, big))).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
      details: { body: 'text' },
    });
  });
});

describe('transport failures: the system code and the message from the cause chain', () => {
  test.each<[string, unknown, string, string]>([
    [
      'undici: the code two causes deep',
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect failed'), { cause: { code: 'ECONNRESET' } }),
      }),
      'connection-reset',
      'fetch failed (connect failed)',
    ],
    [
      'a string errno',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { errno: 'ECONNREFUSED' }),
      'connection-refused',
      'connect ECONNREFUSED 10.0.0.1:443',
    ],
    [
      'a numeric errno beside the code',
      Object.assign(new Error('getaddrinfo ENOTFOUND api.example'), { errno: -3008, code: 'ENOTFOUND' }),
      'dns',
      'getaddrinfo ENOTFOUND api.example',
    ],
    [
      'the same message in the cause is said once',
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('fetch failed'), { code: 'EPIPE' }),
      }),
      'connection-reset',
      'fetch failed',
    ],
    ['React Native', new TypeError('Network request failed'), 'fetch-failed', 'Network request failed'],
    [
      'Bun',
      new TypeError('Unable to connect. Is the computer able to access the url?'),
      'fetch-failed',
      'Unable to connect. Is the computer able to access the url?',
    ],
    ['a socket failure', new TypeError('socket hang up'), 'fetch-failed', 'socket hang up'],
  ])('%s', (_name, error, reason, message) => {
    expect(classifyError(error)).toMatchObject({ category: 'network', reason, message, retryable: true });
  });
  test('a code that is not a system code does not make an error a network failure', () => {
    for (const code of ['econnreset', 'ERR_INVALID_ARG_TYPE_x', 'E1', 'NOT_FOUND_ABORT_ERR'])
      expect(classifyError(Object.assign(new Error('boom'), { code })).category).toBe('unknown');
    expect(classifyError(Object.assign(new Error('boom'), { code: 'UND_ERR_SOCKET' })).reason).toBe('connection-reset');
  });
});

describe('Retry-After', () => {
  const limited = (extensions: Record<string, unknown>) => ({
    data: null,
    errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED', ...extensions } }],
  });
  test.each<[string, Record<string, unknown>, number | undefined]>([
    ['extensions.retryAfterMs', { retryAfterMs: 1500 }, 1500],
    ['extensions.retryAfterMs 0', { retryAfterMs: 0 }, 0],
    ['extensions.retryAfter (seconds)', { retryAfter: 5 }, 5000],
    ['extensions.retryAfter as text', { retryAfter: '2' }, 2000],
    ['a negative retryAfterMs falls back to retryAfter', { retryAfterMs: -1, retryAfter: 3 }, 3000],
    ['an infinite retryAfterMs falls back to retryAfter', { retryAfterMs: Infinity, retryAfter: 3 }, 3000],
    ['a retryAfterMs that is text is not read', { retryAfterMs: '1500' }, undefined],
  ])('%s', (_name, extensions, ms) => {
    expect(classifyError(limited(extensions)).details?.retryAfterMs).toBe(ms);
  });
  test("the response's header wins over extensions; the operation's headers count for a result", () => {
    const headers = new Headers({ 'Retry-After': '4' });
    expect(classifyError(limited({ retryAfterMs: 1500 }), { headers }).details?.retryAfterMs).toBe(4000);
    expect(classifyError(server(429, '', { 'Retry-After': '6' }), { headers }).details?.retryAfterMs).toBe(6000);
    expect(
      classifyError({ status: 429, body: '', headers: new Headers({ 'Retry-After': '7' }) }).details?.retryAfterMs,
    ).toBe(7000);
  });
  test('headers that throw when read carry no Retry-After', () => {
    const headers = {
      get() {
        throw new Error('locked');
      },
    };
    expect(classifyError({ status: 429, body: '', headers })).toMatchObject({ category: 'rate-limited' });
    expect(classifyError({ status: 429, body: '', headers }).details?.retryAfterMs).toBeUndefined();
  });
});

describe('thrown values that are not errors', () => {
  test.each<[string, unknown, Record<string, unknown>]>([
    ['a string', 'Token is expired', { category: 'unauthenticated', reason: 'token-expired' }],
    ['a number', 503, { category: 'bad-request', message: '503' }],
    [
      'a plain object with a message',
      { message: 'Too many requests' },
      { category: 'unknown', message: 'Too many requests' },
    ],
  ])('%s', (_name, input, expected) => {
    expect(classifyError(input)).toMatchObject(expected);
  });
});

describe('review of the facts survivors', () => {
  test('truncated JSON says so in the message', () => {
    expect(classifyError(server(200, '{"data":{"a":1},"errors":[{"mess'))).toMatchObject({
      category: 'bad-request',
      reason: 'unparseable-response',
      message: 'The response is not valid JSON.',
    });
  });
  test('a text that only mentions a tag is text, not an HTML page', () => {
    expect(classifyError(server(400, 'Bad request: unexpected <title> in the query'))).toMatchObject({
      category: 'bad-request',
      message: 'Bad request: unexpected <title> in the query',
      details: { body: 'text' },
    });
  });
  test('a cause chain that loops back ends: no system code, a plain error', () => {
    const error: Error & { cause?: unknown } = new Error('wrapped');
    error.cause = error;
    expect(classifyError(error)).toMatchObject({ category: 'unknown', message: 'wrapped' });
  });
});
