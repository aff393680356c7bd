import { redact } from '../redact';
import { knownSecrets, rememberSecret } from '../secrets';

// The module keeps process-wide state; jest gives each test file its own copy, and the tests below
// run in order on it.
describe('rememberSecret / knownSecrets', () => {
  test('starts empty', () => {
    expect(knownSecrets()).toEqual([]);
  });

  test.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a number', 12345678],
    ['seven characters (too short to be a credential)', 'abcdefg'],
    ['the empty string', ''],
  ])('ignores %s', (_name, value) => {
    rememberSecret(value as string);
    expect(knownSecrets()).toEqual([]);
  });

  test('remembers a string of eight characters or more, once', () => {
    rememberSecret('abcdefgh');
    rememberSecret('abcdefgh');
    rememberSecret('opaque-token-1');
    rememberSecret('abcdefgh'); // not the last one, still known: not added again
    expect(knownSecrets()).toEqual(['abcdefgh', 'opaque-token-1']);
  });

  test('keeps the 1024 most recent (a server renders for many users), dropping the oldest', () => {
    for (let i = 2; i <= 1025; i++) rememberSecret(`opaque-token-${i}`);
    const known = knownSecrets();
    expect(known).toHaveLength(1024);
    expect(known).not.toContain('abcdefgh');
    expect(known).not.toContain('opaque-token-1');
    expect(known[0]).toBe('opaque-token-2');
    expect(known[1023]).toBe('opaque-token-1025');
  });

  test('redact removes a remembered opaque token that no pattern recognises (a server echoing it back)', () => {
    // 'opaque-token-17' has no auth scheme before it and is not JWT-shaped: only the memory catches it,
    // still after a thousand other users' tokens.
    expect(redact('token opaque-token-17 was revoked')).toBe('token [redacted] was revoked');
    expect(redact('token opaque-token-1 was revoked')).toBe('token opaque-token-1 was revoked');
  });
});
