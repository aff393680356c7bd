// graphqlCodes: the seed extensions.code tables (002, 003). The core knows the same codes; what the
// profile adds is each document's own remediation and `extensions.field`. Every code of the profile is
// a row here, as the servers send it (HTTP 200, `errors[].extensions.code`).
import { classifyError } from '../../classify/classifyError';
import { graphqlCodes } from '..';
import { expectClassified, shapes200, type Expect } from './shapes';

const gql = (code: string, message = 'Something went wrong', extra: Record<string, unknown> = {}) => ({
  data: null,
  errors: [{ message, path: ['order'], extensions: { code, ...extra } }],
});

const UNAUTHENTICATED: Expect = { category: 'unauthenticated', status: 401, refreshable: true, retryable: false };
const FORBIDDEN: Expect = { category: 'forbidden', reason: 'insufficient-permissions', status: 403, retryable: false };
const NOT_FOUND: Expect = { category: 'not-found', reason: 'not-found', status: 404, retryable: false };
const CONFLICT: Expect = { category: 'conflict', reason: 'etag-mismatch', status: 409, retryable: false };
const RATE_LIMITED: Expect = { category: 'rate-limited', reason: 'rate-limited', status: 429, retryable: true };
const INVALID_OPERATION: Expect = {
  category: 'bad-request',
  reason: 'invalid-operation',
  status: 400,
  retryable: false,
};
const UNAVAILABLE: Expect = { category: 'server', reason: 'service-unavailable', status: 503, retryable: true };
const INTERNAL: Expect = { category: 'server', reason: 'internal-error', status: 500, retryable: true };

/** code → the classification, and the document's remediation (not the core's generic one). */
const ROWS: Array<[string, Expect, RegExp]> = [
  ['UNAUTHENTICATED', { ...UNAUTHENTICATED, reason: 'invalid-token' }, /^Request a new token and retry\.$/],
  ['UNAUTHORIZED', { ...UNAUTHENTICATED, reason: 'invalid-token' }, /"Authorization: Bearer <key>"/],
  ['INVALID_TOKEN', { ...UNAUTHENTICATED, reason: 'invalid-token' }, /^Request a new token and retry\.$/],
  ['TOKEN_EXPIRED', { ...UNAUTHENTICATED, reason: 'token-expired' }, /^Request a new token and retry\.$/],
  ['AUTH_NOT_AUTHENTICATED', { ...UNAUTHENTICATED, reason: 'invalid-token' }, /^Request a new token and retry\.$/],
  ['FORBIDDEN', FORBIDDEN, /roles or the key's scopes/],
  ['PERMISSION_DENIED', FORBIDDEN, /roles or the key's scopes/],
  ['ACCESS_DENIED', FORBIDDEN, /roles or the key's scopes/],
  ['NOT_FOUND', NOT_FOUND, /ID or slug/],
  ['CONFLICT', CONFLICT, /re-read it, re-apply your change/],
  ['ETAG_MISMATCH', CONFLICT, /re-read it, re-apply your change/],
  ['PRECONDITION_FAILED', CONFLICT, /re-read it, re-apply your change/],
  [
    'BAD_USER_INPUT',
    { category: 'validation', reason: 'invalid-input', status: 400, retryable: false },
    /operation reference/,
  ],
  [
    'VALIDATION_ERROR',
    { category: 'validation', reason: 'invalid-input', status: 422, retryable: false },
    /^Correct the input named in the message/,
  ],
  [
    'UNPROCESSABLE_ENTITY',
    { category: 'validation', reason: 'invalid-input', status: 422, retryable: false },
    /^Correct the input named in the message/,
  ],
  ['RATE_LIMITED', RATE_LIMITED, /back off for a moment/],
  ['TOO_MANY_REQUESTS', RATE_LIMITED, /back off for a moment/],
  ['THROTTLED', RATE_LIMITED, /back off for a moment/],
  ['GRAPHQL_PARSE_FAILED', INVALID_OPERATION, /regenerate the client's documents/],
  ['GRAPHQL_VALIDATION_FAILED', INVALID_OPERATION, /regenerate the client's documents/],
  ['BAD_REQUEST', INVALID_OPERATION, /regenerate the client's documents/],
  ['OPERATION_RESOLUTION_FAILURE', INVALID_OPERATION, /regenerate the client's documents/],
  [
    'PERSISTED_QUERY_NOT_FOUND',
    { category: 'bad-request', reason: 'persisted-query-not-found', status: 400, retryable: false },
    /full query text/,
  ],
  ['SERVICE_UNAVAILABLE', UNAVAILABLE, /temporarily unavailable/],
  ['UNAVAILABLE', UNAVAILABLE, /temporarily unavailable/],
  ['INTERNAL_SERVER_ERROR', INTERNAL, /report it with the time/],
  ['INTERNAL', INTERNAL, /report it with the time/],
  ['INTERNAL_ERROR', INTERNAL, /report it with the time/],
];

describe('graphqlCodes profile', () => {
  test.each(ROWS)('%s (HTTP 200) gives the document’s remediation', (code, expected, remediation) => {
    for (const [, input, extra] of shapes200(gql(code))) {
      const c = expectClassified(input, [graphqlCodes], { code, path: ['order'], ...expected }, extra);
      expect(c.remediation).toMatch(remediation);
    }
  });

  test('without the profile the same codes get the core’s generic texts (the rows above are the profile’s)', () => {
    for (const [code, expected, remediation] of ROWS) {
      const c = classifyError(gql(code));
      expect(c).toMatchObject(expected);
      expect(c.remediation).not.toMatch(remediation);
    }
  });

  describe('extensions.field (003: VALIDATION_ERROR names the input field)', () => {
    test('VALIDATION_ERROR with a field: details.field, and the remediation names it', () => {
      const c = expectClassified(gql('VALIDATION_ERROR', 'Input failed validation', { field: 'sku' }), [graphqlCodes], {
        category: 'validation',
        status: 422,
        details: { field: 'sku' },
      });
      expect(c.remediation).toBe('Correct the input field "sku" (required and format rules), then submit again.');
    });

    test('BAD_USER_INPUT with a field: details.field', () => {
      expectClassified(gql('BAD_USER_INPUT', 'Invalid quantity', { field: 'quantity' }), [graphqlCodes], {
        category: 'validation',
        status: 400,
        details: { field: 'quantity' },
      });
    });

    // An empty string is still a string: the core copies it as it is; the profile names no field.
    test.each([
      ['a number', 42, undefined],
      ['an object', { name: 'sku' }, undefined],
      ['an empty string', '', ''],
      ['null', null, undefined],
    ])('a field that is %s is not a field name: the generic remediation', (_name, field, detailsField) => {
      for (const code of ['VALIDATION_ERROR', 'BAD_USER_INPUT']) {
        const c = classifyError(gql(code, 'Input failed validation', { field }), { profiles: [graphqlCodes] });
        expect(c.category).toBe('validation');
        expect(c.details?.field).toBe(detailsField);
      }
      const c = classifyError(gql('VALIDATION_ERROR', 'Input failed validation', { field }), {
        profiles: [graphqlCodes],
      });
      expect(c.remediation).toBe('Correct the input named in the message, then submit again.');
    });
  });

  test('a JSON body with a top-level code and no extensions (HTTP 422) still gets the document’s remediation', () => {
    const body = { code: 'VALIDATION_ERROR', message: 'Input failed validation' };
    const c = classifyError(
      { status: 422, body: JSON.stringify(body) },
      {
        profiles: [graphqlCodes],
      },
    );
    expect(c).toMatchObject({ category: 'validation', reason: 'invalid-input', code: 'VALIDATION_ERROR', status: 422 });
    expect(c.remediation).toBe('Correct the input named in the message, then submit again.');
    expect(c.details?.field).toBeUndefined();
  });
});
