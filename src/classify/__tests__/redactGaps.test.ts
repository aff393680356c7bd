// Redaction of the forms a token takes in real messages beyond the plain ones: a JWT wrapped over two
// lines, URL-encoded credentials (`Authorization%3DBearer%20…`, `access_token%3D…`), a plain `token`
// query parameter, and a known secret echoed URL-encoded. Redaction stays linear.
import { redact } from '../redact';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const [HEADER, PAYLOAD, SIGNATURE] = JWT.split('.') as [string, string, string];
const OPAQUE = 'abc123def456ghi789';

const leaks = (out: string, ...parts: string[]) => parts.filter((p) => out.includes(p));

describe('a JWT wrapped over two lines', () => {
  const cut = (at: number, br = '\n') => `${JWT.slice(0, at)}${br}${JWT.slice(at)}`;
  test.each([
    ['in the header', cut(20)],
    ['in the payload', cut(60)],
    ['in the payload, CRLF and indent', cut(60, '\r\n    ')],
    ['just before the first dot', cut(HEADER.length)],
    ['just after the first dot', cut(HEADER.length + 1)],
    ['just before the second dot', cut(HEADER.length + 1 + PAYLOAD.length)],
    ['just after the second dot', cut(HEADER.length + PAYLOAD.length + 2)],
  ])('%s', (_where, wrapped) => {
    const out = redact(`Rejected token:\n${wrapped}\nSign in again.`);
    expect(leaks(out, 'eyJ', PAYLOAD.slice(-20), SIGNATURE.slice(0, 20), SIGNATURE.slice(-20))).toEqual([]);
    expect(out).toMatch(/^Rejected token:\n/);
    expect(out).toMatch(/Sign in again\.$/);
  });
});

test.each([
  ['URL-encoded Authorization', `GET /x?h=Authorization%3DBearer%20${OPAQUE}`],
  ['URL-encoded Authorization, colon', `headers=Authorization%3A%20Bearer%20${OPAQUE}&x=1`],
  ['URL-encoded access_token', `redirect=https%3A%2F%2Fapp%2Fcb%3Faccess_token%3D${OPAQUE}%26state%3D1`],
  ['a token query parameter', `GET https://api.example.com/files?token=${OPAQUE}&page=2 failed`],
  ['a token query parameter after another', `GET /files?page=2&token=${OPAQUE} failed`],
])('%s', (_name, message) => {
  const out = redact(message);
  expect(out).not.toContain(OPAQUE);
  expect(out).not.toContain('456ghi');
  expect(out).toContain('[redacted]');
});

test('a known secret echoed URL-encoded', () => {
  const secret = 's3cr3t/Value+with=chars';
  const out = redact(`callback?k=${encodeURIComponent(secret)}&also=${secret}`, [secret]);
  expect(out).not.toContain('s3cr3t');
  expect(out).toBe('callback?k=[redacted]&also=[redacted]');
});

test('a secret that cannot be URL-encoded (a lone surrogate) is still removed, and redact does not throw', () => {
  const secret = 'abcd\uD800efgh';
  expect(redact(`x ${secret} y`, [secret])).toBe('x [redacted] y');
});

test.each([
  ['Bearer token expired'],
  ['Invalid token: expired'],
  ['The token is invalid'],
  ['a token=value in prose is not a query parameter'],
  ['Basic plan required'],
])('ordinary wording stays readable: %s', (text) => {
  expect(redact(text)).toBe(text);
});

describe('linear on 100 kB adversarial input', () => {
  test.each([
    ['Bearer%20 repeated', 'Bearer%20'.repeat(12_000)],
    ['Bearer and spaces', `Bearer ${'%20'.repeat(33_000)}`],
    ['eyJ and line breaks', `eyJab${'\n a'.repeat(33_000)}`],
    ['eyJ segments', 'eyJab.'.repeat(17_000)],
    ['wrapped dots', `eyJab${'.\n'.repeat(50_000)}`],
    ['access_token%3D repeated', 'access_token%3D'.repeat(7_000)],
    ['?token= repeated', '?token='.repeat(15_000)],
    ['&token&token', '&token'.repeat(17_000)],
    ['spaces', `Bearer${' '.repeat(100_000)}x`],
  ])('%s', (_name, input) => {
    const start = performance.now();
    redact(input, ['some-secret-1', 'a/b+c=d']);
    expect(performance.now() - start).toBeLessThan(200);
  });
});
