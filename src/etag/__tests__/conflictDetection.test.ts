import { attachClassifications } from '../../classify/annotations';
import { callbackFailed, conflictInError, conflictInResult } from '../conflictDetection';

const serverError = (status: number, body: unknown) =>
  Object.assign(new Error(`status ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('conflict detection (the etag link’s only question)', () => {
  test.each<[string, unknown, boolean]>([
    [
      'HTTP 409 with ION’s message',
      serverError(409, { errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] }),
      true,
    ],
    ['HTTP 409 with an HTML body', serverError(409, '<html>conflict</html>'), true],
    ['HTTP 412', serverError(412, ''), true],
    [
      'AC3 shape (parsed result)',
      Object.assign(new Error('x'), { statusCode: 409, result: { errors: [{ message: 'etag mismatch' }] } }),
      true,
    ],
    ['HTTP 502', serverError(502, '<html>bad gateway</html>'), false],
    [
      'an annotated conflict',
      attachClassifications(new Error('x'), [
        { category: 'conflict', message: 'x', retryable: false, refreshable: false, remediation: 'Re-read it first.' },
      ]),
      true,
    ],
    [
      'an annotated non-conflict wins over a 409-looking message',
      attachClassifications(new Error('etag mismatch'), [
        { category: 'server', message: 'x', retryable: true, refreshable: false, remediation: 'Retry it later.' },
      ]),
      false,
    ],
    ['garbage', 42, false],
  ])('%s', (_n, error, expected) => {
    expect(conflictInError(error)?.category === 'conflict').toBe(expected);
  });
  test.each<[string, Record<string, unknown>, number | undefined, boolean]>([
    [
      'an etag message in a 200',
      { errors: [{ message: 'Concurrent modification detected — etag mismatch.' }] },
      undefined,
      true,
    ],
    ['code CONFLICT', { errors: [{ message: 'x', extensions: { code: 'CONFLICT' } }] }, undefined, true],
    ['a 409 graphql-response+json body', { errors: [{ message: 'whatever' }] }, 409, true],
    ['another error', { errors: [{ message: 'Token is expired' }] }, undefined, false],
    ['no errors', { data: {} }, undefined, false],
    // Only errors[] is read: a result without errors is no conflict, whatever its status.
    ['no errors, with a 409', { data: {} }, 409, false],
    ['an empty errors[], with a 409', { data: null, errors: [] }, 409, false],
  ])('result: %s', (_n, result, status, expected) => {
    expect(conflictInResult(result, status)?.category === 'conflict').toBe(expected);
  });
  test('a failing callback becomes a classified error with the cause kept', () => {
    const cause = new Error('reread blew up');
    const e = callbackFailed(cause);
    expect(e.classification).toMatchObject({ category: 'unknown', reason: 'link-error' });
    expect(e.message).toMatch(/EtagConflictLink reread, reapply or onConflict failed: reread blew up/);
    expect((e as { cause?: unknown }).cause).toBe(cause);
  });
});

describe('every errors[] entry is read', () => {
  test('a conflict second, after a validation error', () => {
    const result = {
      errors: [
        { message: 'quantity must be positive', extensions: { code: 'BAD_USER_INPUT' } },
        { message: 'x', extensions: { code: 'CONFLICT' } },
      ],
    };
    expect(conflictInResult(result)?.category).toBe('conflict');
  });
  test('no conflict in any entry', () => {
    expect(
      conflictInResult({ errors: [{ message: 'a' }, { message: 'b', extensions: { code: 'FORBIDDEN' } }] }),
    ).toBeUndefined();
  });
});
