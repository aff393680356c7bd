// The shapes one server answer reaches the classifier in: a 200 result (ErrorClassifyLink, retry
// link), AC4 CombinedGraphQLErrors, AC3 ApolloError, and AC4 / AC3 ServerError for a non-2xx status.
import { classifyError } from '../../classify/classifyError';
import type { Classification, ClassificationProfile } from '../../classify/types';

export type Body = { data?: unknown; errors: unknown[]; extensions?: Record<string, unknown> };
export type Expect = Partial<Classification> & { details?: Record<string, unknown> };

export function ac4ServerError(status: number, body: unknown, headers: Record<string, string> = {}) {
  const bodyText = typeof body === 'string' ? body : JSON.stringify(body);
  return Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    bodyText,
    response: { status, headers: new Headers(headers) },
  });
}
export function ac3ServerError(status: number, body: unknown, headers: Record<string, string> = {}) {
  return Object.assign(new Error(`Response not successful: Received status code ${status}`), {
    name: 'ServerError',
    statusCode: status,
    result: body,
    response: { status, headers: new Headers(headers) },
  });
}
export const combined = (body: Body) =>
  Object.assign(new Error('combined'), {
    name: 'CombinedGraphQLErrors',
    errors: body.errors,
    data: body.data,
    extensions: body.extensions,
  });
export const apolloError = (body: Body) =>
  Object.assign(new Error('apollo'), {
    name: 'ApolloError',
    graphQLErrors: body.errors,
    networkError: null,
    clientErrors: [],
    protocolErrors: [],
  });

/** Every shape a 200 answer arrives in; `headers` are what a link passes from the operation context. */
export function shapes200(
  body: Body,
  headers?: Record<string, string>,
): Array<[string, unknown, { headers?: Headers }]> {
  const h = headers ? { headers: new Headers(headers) } : {};
  return [
    ['200 result', body, h],
    ['AC4 CombinedGraphQLErrors', combined(body), h],
    ['AC4 ServerError 200', ac4ServerError(200, body, headers), {}],
    ['AC3 ServerError 200', ac3ServerError(200, body, headers), {}],
  ];
}

/** A non-2xx answer, in the AC4 and AC3 ServerError shapes. */
export function shapesHttp(
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): Array<[string, unknown, object]> {
  return [
    [`AC4 ServerError ${status}`, ac4ServerError(status, body, headers), {}],
    [`AC3 ServerError ${status}`, ac3ServerError(status, body, headers), {}],
  ];
}

export function expectClassified(
  input: unknown,
  profiles: ClassificationProfile[],
  expected: Expect,
  extra: object = {},
): Classification {
  const c = classifyError(input, { profiles, ...extra });
  const { details, ...rest } = expected;
  expect(c).toMatchObject(rest);
  if (details) expect(c.details).toMatchObject(details);
  expect(c.remediation.length).toBeGreaterThan(10);
  return c;
}

/** Messages that say another category than the vendor's code: the code must win. */
export const MISLEADING = [
  'field "secret" not found in type: "users"',
  'Token is expired',
  'You must be logged in',
  'Permission denied: not allowed to perform UPDATE on Order.',
  'Order 42 not found',
  'Quantity must be greater than 0',
  'Too many requests: rate limit exceeded',
  'Concurrent modification detected - etag mismatch',
  'Internal server error',
];
