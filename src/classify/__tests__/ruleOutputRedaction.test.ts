// Tokens never appear in a classification (DESIGN §2 `message`, §5): not in its message, and not in
// what a rule builds from the message either (remediation, details), whether the rule is a profile's
// or yours.
import { ion } from '../../profiles';
import { ac4ServerError } from '../../profiles/__tests__/shapes';
import { classifyError } from '../classifyError';
import type { ClassificationRule } from '../types';

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const http = (status: number, message: string) => ac4ServerError(status, { errors: [{ message }] });

function expectClean(value: unknown, ...secrets: string[]) {
  const text = JSON.stringify(value);
  for (const secret of ['abcd1234secret', 'eyJ', 'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', ...secrets])
    expect(text).not.toContain(secret);
}

test('ion/domain-rule: the remediation and the constraint it quotes from the message are redacted', () => {
  const c = classifyError(
    http(422, `Webhook url must be https, got http://x/?access_token=abcd1234secret&jwt=${JWT}`),
    { profiles: [ion] },
  );
  expect(c).toMatchObject({ category: 'validation', reason: 'domain-rule', details: { field: 'url' } });
  expect(c.remediation).toMatch(/^Fix url \(Webhook url must be https/);
  expectClean(c);
});

test('ion/permission: the resource in details and remediation is redacted', () => {
  const c = classifyError(
    http(403, 'User does not have permission to perform READ on /files?access_token=abcd1234secret'),
    {
      profiles: [ion],
    },
  );
  expect(c).toMatchObject({ category: 'forbidden', reason: 'missing-permission', details: { action: 'READ' } });
  expect(c.details?.resource).toMatch(/^\/files\?access_token=/);
  expectClean(c);
});

test('a user rule that copies the message into details and remediation: both are redacted, secrets too', () => {
  const rule: ClassificationRule = {
    id: 'copy',
    match: () => true,
    classify: (f) => ({
      category: 'server',
      remediation: `Report this: ${f.message}`,
      details: { echoed: f.message, count: 3, list: ['kept'] },
    }),
  };
  const c = classifyError(
    { message: `failed with Bearer ${JWT} and access_token=abcd1234secret, key my-own-secret-42` },
    { rules: [rule], secrets: ['my-own-secret-42'] },
  );
  expect(c.details).toMatchObject({ count: 3, list: ['kept'] });
  expect(c.details?.echoed).toContain('access_token=[redacted]');
  expect(c.remediation).toMatch(/^Report this: failed with Bearer \[redacted\]/);
  expectClean(c, 'my-own-secret-42');
});

test('a user rule that nests the message in details (a list, an object): redacted at any depth; other values kept as they are', () => {
  const when = new Date(0);
  const rule: ClassificationRule = {
    id: 'nested',
    match: () => true,
    classify: (f) => ({
      category: 'server',
      details: { request: { url: f.message, tries: [f.message, 2], at: when }, deep: [[{ note: f.message }]] },
    }),
  };
  const c = classifyError({ message: `GET /x?access_token=abcd1234secret jwt ${JWT}` }, { rules: [rule] });
  expectClean(c);
  expect(c.details).toMatchObject({ request: { tries: [expect.stringContaining('[redacted]'), 2], at: when } });
  expect((c.details?.request as { at: unknown }).at).toBe(when);
});

test('details a rule built with a throwing getter: that value is left out, nothing thrown', () => {
  const rule: ClassificationRule = {
    id: 'hostile',
    match: () => true,
    classify: () => ({
      category: 'server',
      details: {
        ok: 'kept',
        bad: {
          get secret(): string {
            throw new Error('boom');
          },
        },
      },
    }),
  };
  const c = classifyError({ message: 'x' }, { rules: [rule] });
  expect(c.details).toEqual({ ok: 'kept' });
  expect(Object.keys(c.details ?? {})).toEqual(['ok']);
});
