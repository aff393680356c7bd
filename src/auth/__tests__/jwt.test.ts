import { jwtExpiryMs } from '../jwt';

const b64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const token = (payload: string, header = '{"alg":"HS256"}') => `${b64url(header)}.${b64url(payload)}.c2ln`;

describe('jwtExpiryMs', () => {
  // A payload whose base64url has both '-' and '_' (base64 '+' and '/'): '>>>' and '???' encode to 'Pj4-' and 'Pz8_'.
  const urlSafe = '{"exp":1700000000,"a":">>>","b":"???"}';
  test('the test payload really uses the base64url alphabet', () => {
    expect(b64url(urlSafe)).toMatch(/-/);
    expect(b64url(urlSafe)).toMatch(/_/);
    // …and its standard base64 has '+' and '/' between valid characters, not at either end.
    expect(Buffer.from(urlSafe).toString('base64')).toMatch(/^[A-Za-z0-9].*\+.*\/.*[A-Za-z0-9]=*$/);
  });

  test.each<[string, string, number | undefined]>([
    ['exp in seconds → milliseconds', token('{"exp":1700000000}'), 1_700_000_000_000],
    ['base64url - and _ are decoded', token(urlSafe), 1_700_000_000_000],
    ['UTF-8 claims', token('{"name":"Zoë Ångström","exp":42}'), 42_000],
    ['fractional exp', token('{"exp":1.5}'), 1500],
    ['a padded payload segment', `h.${Buffer.from('{"exp":77}').toString('base64')}.s`, 77_000],
    ['no exp', token('{"sub":"alice"}'), undefined],
    ['exp as a string', token('{"exp":"1700000000"}'), undefined],
    ['exp 0', token('{"exp":0}'), undefined],
    ['negative exp', token('{"exp":-5}'), undefined],
    ['exp overflowing to Infinity', token('{"exp":1e400}'), undefined],
    ['a payload of null', token('null'), undefined],
    ['a payload that is not JSON', token('not json'), undefined],
    ['an opaque token', 'opaque-access-token-123', undefined],
    ['two segments', `${b64url('{}')}.${b64url('{"exp":5}')}`, undefined],
    ['four segments', `${token('{"exp":5}')}.x`, undefined],
    ['an empty payload segment', 'a..c', undefined],
    ['base64 "+" or "/" is not base64url', `h.${b64url('{"exp":5}')}+.s`, undefined],
    // The same claims in standard base64 ('+' and '/' inside, as a lenient decoder would accept).
    ['a payload in standard base64, not base64url', `h.${Buffer.from(urlSafe).toString('base64')}.s`, undefined],
    ['three padding characters', `h.${b64url('{"exp":5}')}===.s`, undefined],
    ['padding in the middle', `h.ab=cd.s`, undefined],
    ['the empty string', '', undefined],
  ])('%s', (_name, jwt, expected) => {
    expect(jwtExpiryMs(jwt)).toBe(expected);
  });

  test('tokens longer than 16 384 characters are not decoded', () => {
    const head = token('{"exp":9}');
    const exact = head + 'x'.repeat(16_384 - head.length);
    expect(exact).toHaveLength(16_384);
    expect(jwtExpiryMs(exact)).toBe(9000);
    expect(jwtExpiryMs(`${exact}x`)).toBeUndefined();
  });

  test('a non-string is not a token', () => {
    expect(jwtExpiryMs(undefined as unknown as string)).toBeUndefined();
    expect(jwtExpiryMs(12345 as unknown as string)).toBeUndefined();
  });

  test('the padded test segment really carries padding', () => {
    expect(Buffer.from('{"exp":77}').toString('base64')).toMatch(/==$/);
  });

  test('the last token is remembered, and another token is decoded afresh', () => {
    const a = token('{"exp":100}');
    const b = token('{"exp":200}');
    expect([
      jwtExpiryMs(a),
      jwtExpiryMs(a),
      jwtExpiryMs(b),
      jwtExpiryMs(a),
      jwtExpiryMs('opaque-token-1'),
      jwtExpiryMs(b),
    ]).toEqual([100_000, 100_000, 200_000, 100_000, undefined, 200_000]);
  });

  test('without atob (old runtimes) a token is treated as opaque', () => {
    const original = globalThis.atob;
    try {
      (globalThis as { atob?: unknown }).atob = undefined;
      expect(jwtExpiryMs(token('{"exp":300}'))).toBeUndefined();
    } finally {
      globalThis.atob = original;
    }
  });
});
