import { MAX_MESSAGE_LENGTH, redact } from '../redact';

describe('redact', () => {
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2ln-bmF0_dXJl';
  test.each<[string, string, string]>([
    // name, input, expected output
    ['a bearer token', 'Authorization: Bearer abc123def456 rejected', 'Authorization: Bearer [redacted] rejected'],
    ['a lower-case scheme keeps its case', 'bearer abc.def-123', 'bearer [redacted]'],
    ['a Basic credential with padding', 'Basic dXNlcjpwYXNzd29yZA== denied', 'Basic [redacted] denied'],
    ['a bearer credential of exactly eight characters', 'Bearer abcd1234', 'Bearer [redacted]'],
    ['seven characters after Bearer are left', 'Bearer abc1234', 'Bearer abc1234'],
    ['plain words after Bearer are left', 'Bearer token expired', 'Bearer token expired'],
    ['a letters-only word of 8+ after Bearer is left', 'Bearer credentials missing', 'Bearer credentials missing'],
    ['Bearer inside a word is not a scheme', 'XBearer abc123def456', 'XBearer abc123def456'],
    ['a JWT', `token ${jwt} is expired`, 'token [redacted-jwt] is expired'],
    ['a JWT with an empty signature (alg none)', 'got eyJhbGciOi.eyJzdWIi. here', 'got [redacted-jwt] here'],
    ['a JWT after Bearer', `Bearer ${jwt}`, 'Bearer [redacted]'],
    ['not a JWT without the eyJ header', 'abc.def.ghi', 'abc.def.ghi'],
    ['a JWT needs two characters per segment', 'eyJa.b.c', 'eyJa.b.c'],
    ['access_token=', 'access_token=sk_live_123&x=1', 'access_token=[redacted]&x=1'],
    ['refresh_token: ', 'refresh_token: r-123, later', 'refresh_token: [redacted], later'],
    ['id_token in JSON', '{"id_token":"abc"}', '{"id_token":"[redacted]"}'],
    [
      'client_secret in JSON with a space',
      '{"client_secret": "s3cr3t"} is wrong',
      '{"client_secret": "[redacted]"} is wrong',
    ],
    ['password, upper case', 'PASSWORD=hunter2; retry', 'PASSWORD=[redacted]; retry'],
    ['api_key', 'api_key=k1 ok', 'api_key=[redacted] ok'],
    ['api-key', "api-key='k2'", "api-key='[redacted]'"],
    ['apikey', 'apikey:k3}', 'apikey:[redacted]}'],
    ['a parameter name inside a word is left', 'mypassword=x', 'mypassword=x'],
    ['ordinary text is untouched', 'Purchase order PO-1001 not found', 'Purchase order PO-1001 not found'],
  ])('%s', (_name, input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  test('explicit secrets of four characters or more are removed everywhere', () => {
    expect(redact('key abcd and abcd again', ['abcd'])).toBe('key [redacted] and [redacted] again');
    expect(redact('key abc stays', ['abc'])).toBe('key abc stays');
    expect(redact('nothing to do', [''])).toBe('nothing to do');
  });

  test(`messages are cut at ${MAX_MESSAGE_LENGTH} characters`, () => {
    expect(MAX_MESSAGE_LENGTH).toBe(2000);
    const exact = 'x'.repeat(2000);
    expect(redact(exact)).toBe(exact);
    expect(redact('x'.repeat(2001))).toBe(`${'x'.repeat(2000)}… [truncated 1 characters]`);
    expect(redact('y'.repeat(5000))).toBe(`${'y'.repeat(2000)}… [truncated 3000 characters]`);
  });

  test('a long message is redacted before the cut, and cut after it', () => {
    const out = redact(`${'a'.repeat(100)} s3cr3t-xyz ${'b'.repeat(3000)} s3cr3t-xyz`, ['s3cr3t-xyz']);
    expect(out).toBe(`${'a'.repeat(100)} [redacted] ${'b'.repeat(1888)}… [truncated 1123 characters]`);
  });
});

describe('a credential straddling the cut is not half kept', () => {
  const pad = 'a'.repeat(1995);
  test.each<[string, string]>([
    ['an explicit secret', `${pad} s3cr3t-value-xyz tail`],
    ['a bearer token', `${pad} Bearer abc123def456ghi789 tail`],
    ['a JWT', `${pad} eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl tail`],
    ['a secret parameter', `${pad} password=hunter2-hunter2 tail`],
  ])('%s', (_name, text) => {
    const out = redact(text, ['s3cr3t-value-xyz']);
    expect(out).not.toMatch(/s3cr3|abc1|eyJhb|hunte/);
    expect(out.startsWith(`${pad} `)).toBe(true);
    expect(out.endsWith(`… [truncated ${text.length - 2000} characters]`)).toBe(true);
    expect(out.length).toBe(2000 + `… [truncated ${text.length - 2000} characters]`.length);
  });
});
