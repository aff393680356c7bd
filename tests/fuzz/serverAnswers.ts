// Generated server answers (status, headers, body) pushed through the full chain and a real
// HttpLink (with a scripted fetch), and any value pushed through classifyError. Shared by the
// fixed-seed slice in `npm test` and the 10,000-case run in `npm run soak`.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from '@apollo/client/core';
import fc from 'fast-check';
import { classifyError, createResilienceLink, getClassifications } from '../../src/index';
import { readAnnotations } from '../../src/classify/annotations';
import type { Classification, ResilienceEvent } from '../../src/index';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
/** The token the chain sends, and the one a refresh returns: neither may ever leak. */
export const TOKEN = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: 'fuzz-user', exp: 4102444800 })}.c2VjcmV0LXNpZ25hdHVyZS1mdXp6`;
export const REFRESHED = 'opaque-refreshed-secret-token-4242';
const LEAKS = [TOKEN, REFRESHED, TOKEN.split('.')[1]!, 'c2VjcmV0LXNpZ25hdHVyZS1mdXp6'];

export interface ServerAnswer {
  status: number;
  contentType: string;
  retryAfter: string | null;
  body: string;
}

const tokenText = fc.constantFrom(
  `Invalid token ${TOKEN}`,
  `Authorization: Bearer ${TOKEN} rejected`,
  `access_token=${REFRESHED}`,
  `token ${REFRESHED} is expired`,
  'Token is expired',
);
const message = fc.oneof(
  fc.constantFrom(
    'Token is expired',
    'User does not have permission to perform UPDATE on Purchase Order.',
    'Concurrent modification detected — etag mismatch.',
    'PartInventory quantity must be greater than 0.',
    'Unable to find appropriate RSA key',
    'Rate limit exceeded',
    'Supplier service unavailable',
    '',
  ),
  tokenText,
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 5000, maxLength: 20_000 }),
);
const graphQLError = fc.record({
  message: fc.oneof(message, fc.constant(null), fc.integer(), fc.constant({ nested: TOKEN })),
  path: fc.option(fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.nat(5)), { maxLength: 4 }), { nil: undefined }),
  extensions: fc.option(
    fc.record({
      code: fc.constantFrom(
        'UNAUTHENTICATED',
        'UNAUTHORIZED',
        'FORBIDDEN',
        'NOT_FOUND',
        'BAD_USER_INPUT',
        'VALIDATION_ERROR',
        'RATE_LIMITED',
        'INTERNAL_SERVER_ERROR',
        'WEIRD',
        42,
      ),
    }),
    { nil: undefined },
  ),
});
const jsonBody = fc
  .oneof(
    fc.record({
      data: fc.option(fc.constant({ purchaseOrder: { id: '1', number: 'PO-1', _etag: 'e1' } }), { nil: null }),
      errors: fc.array(graphQLError, { minLength: 1, maxLength: 5 }),
    }),
    fc.record({ data: fc.constant({ purchaseOrder: { id: '1', number: 'PO-1', _etag: 'e1' } }) }),
    fc.record({
      errors: fc.oneof(
        fc.string(),
        fc.integer(),
        fc.constant(null),
        fc.constant({ message: TOKEN }),
        fc.array(fc.oneof(fc.constant(null), fc.integer(), fc.string())),
      ),
    }),
    fc.record({
      error: fc.constantFrom('invalid_client', 'invalid_request', 'unsupported_grant_type', 'server_error'),
      error_description: message,
    }),
    fc.record({
      type: fc.constant('Error'),
      status: fc.constant('error'),
      data: fc.array(
        fc.record({
          message,
          propertyName: fc.option(fc.constantFrom('Authorization', 'Api-Company', 'ssoAuthentication.code'), {
            nil: undefined,
          }),
        }),
        { maxLength: 3 },
      ),
    }),
    fc.anything(),
  )
  .map((v) => JSON.stringify(v) ?? 'null');
const deepJson = fc.nat({ max: 20_000 }).map((depth) => `${'{"errors":'.repeat(depth)}[]${'}'.repeat(depth)}`);
const body = fc.oneof(
  jsonBody,
  jsonBody.chain((text) => fc.nat({ max: Math.max(0, text.length - 1) }).map((cut) => text.slice(0, cut))), // truncated
  fc.constant('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'),
  message,
  deepJson,
  fc.constant(''),
);

export const serverAnswer: fc.Arbitrary<ServerAnswer> = fc.record({
  status: fc.constantFrom(200, 200, 200, 400, 401, 403, 404, 409, 418, 422, 429, 500, 502, 503, 504),
  contentType: fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/graphql-response+json',
    'text/html',
    'text/plain',
  ),
  retryAfter: fc.option(
    fc.oneof(
      fc.constantFrom('0', '1', '-1', 'abc', '99999999999', '1.5', ''),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
      fc.string({ maxLength: 20 }),
    ),
    { nil: null },
  ),
  body,
});

const QUERY = gql`
  query PurchaseOrder($id: ID!) {
    purchaseOrder(id: $id) {
      id
      number
      _etag
    }
  }
`;
const MUTATION = gql`
  mutation UpdatePurchaseOrder($input: UpdatePurchaseOrderInput!) {
    updatePurchaseOrder(input: $input) {
      id
      number
      _etag
    }
  }
`;

export interface CaseOutcome {
  terminalEvents: number;
  threw: string | undefined;
  unclassified: number;
  leaks: string[];
  hung: boolean;
}

function annotated(error: unknown): boolean {
  if (readAnnotations(error)) return true;
  const errors =
    (error as { errors?: unknown[]; graphQLErrors?: unknown[] } | null)?.errors ??
    (error as { graphQLErrors?: unknown[] } | null)?.graphQLErrors;
  return Array.isArray(errors) && errors.length > 0 && errors.every((e) => readAnnotations(e) !== undefined);
}

/** One generated answer through createResilienceLink + a real HttpLink. */
export async function runThroughChain(answer: ServerAnswer, kind: 'query' | 'mutation'): Promise<CaseOutcome> {
  const events: ResilienceEvent[] = [];
  const failures: Classification[] = [];
  const fetch = async () =>
    new Response(answer.body, {
      status: answer.status,
      headers: {
        'content-type': answer.contentType,
        ...(answer.retryAfter !== null ? { 'retry-after': answer.retryAfter } : {}),
      },
    });
  const link = createResilienceLink({
    retry: {
      initialDelayMs: 0,
      maxDelayMs: 0,
      maxRetryAfterMs: 0,
      maxAttempts: 2,
      budget: false,
      circuitBreaker: false,
      attemptTimeoutMs: 2000,
    },
    auth: {
      getToken: () => TOKEN,
      refresh: async () => REFRESHED,
      onAuthFailure: (c) => failures.push(c),
      refreshTimeoutMs: 2000,
    },
    etag: {
      mutations: { UpdatePurchaseOrder: { reread: () => ({ query: QUERY, variables: { id: '1' } }) } },
      maxAttempts: 2,
    },
    onEvent: (e) => events.push(e),
  }).concat(new HttpLink({ uri: 'http://fuzz.invalid/graphql', fetch: fetch as unknown as typeof globalThis.fetch }));
  const client = new ApolloClient({ link, cache: new InMemoryCache() });
  const results: unknown[] = [];
  let error: unknown;
  let terminalEvents = 0;
  let threw: string | undefined;
  const done = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    try {
      const request =
        kind === 'query'
          ? { query: QUERY, variables: { id: '1' } }
          : { query: MUTATION, variables: { input: { id: '1', _etag: 'e0', notes: 'fuzz' } } };
      (
        ApolloLink.execute(link, request as never, { client } as never) as unknown as { subscribe(o: object): unknown }
      ).subscribe({
        next: (r: unknown) => results.push(r),
        error: (e: unknown) => {
          terminalEvents++;
          error = e;
          clearTimeout(timer);
          resolve(true);
        },
        complete: () => {
          terminalEvents++;
          clearTimeout(timer);
          resolve(true);
        },
      });
    } catch (e) {
      threw = String(e);
      clearTimeout(timer);
      resolve(true);
    }
  });
  const finished = await done;
  await new Promise((r) => setTimeout(r, 0)); // a second terminal event would show up here
  let unclassified = 0;
  if (error !== undefined && !annotated(error)) unclassified++;
  for (const r of results) {
    const errors = (r as { errors?: unknown }).errors;
    // A non-compliant entry (a number, null) cannot carry an annotation: then the result carries them all.
    if (Array.isArray(errors) && !readAnnotations(r)) for (const e of errors) if (!readAnnotations(e)) unclassified++;
  }
  const visible = JSON.stringify({
    events,
    failures,
    c: error !== undefined ? getClassifications(error) : [],
    r: results.flatMap((r) => getClassifications(r)),
    m: (error as Error | undefined)?.message,
  });
  client.stop();
  return { terminalEvents, threw, unclassified, leaks: LEAKS.filter((t) => visible.includes(t)), hung: !finished };
}

/** Any value at all through classifyError: never throws, always a usable classification, no leaks. */
export function classifyAnything(value: unknown): { ok: boolean; leak: boolean } {
  const c = classifyError(value, { secrets: [TOKEN, REFRESHED] });
  const ok =
    typeof c.category === 'string' &&
    typeof c.remediation === 'string' &&
    c.remediation.length > 0 &&
    typeof c.retryable === 'boolean';
  const text = JSON.stringify(c);
  return { ok, leak: LEAKS.some((t) => text.includes(t)) };
}

export const anythingWithTokens = fc.oneof(
  fc.anything(),
  serverAnswer.map((a) => ({
    name: 'ServerError',
    statusCode: a.status,
    bodyText: a.body,
    message: 'x',
    response: { status: a.status, headers: new Headers() },
  })),
  fc.record({ errors: fc.array(graphQLError) }),
);
