import type { ClassificationRule } from '../types.js';

/** What the HTTP status alone says, when no message or code rule matched. */
export const httpStatusRules: ClassificationRule[] = [
  {
    id: 'http/200-unparseable',
    match: (f) => (f.status === undefined || (f.status >= 200 && f.status < 300)) && (f.body === 'html' || f.body === 'truncated-json' || f.body === 'text'),
    classify: { category: 'bad-request', reason: 'unparseable-response', remediation: 'The server answered with a body that is not GraphQL JSON; check the endpoint URL and any proxy in front of it.' },
  },
  {
    id: 'http/200-unexpected-shape',
    match: (f) => (f.status === undefined || (f.status >= 200 && f.status < 300)) && f.body === 'unexpected-shape',
    classify: { category: 'bad-request', reason: 'unexpected-response', remediation: 'The response did not have the shape of a GraphQL result; check the endpoint URL and the server version.' },
  },
  { id: 'http/400', match: { status: 400 }, classify: { category: 'bad-request', reason: 'malformed-request', remediation: 'The request is malformed (invalid JSON body or a missing field on the wire); check the request body and headers.' } },
  { id: 'http/401', match: { status: 401 }, classify: { category: 'unauthenticated', reason: 'invalid-token', refreshable: true, remediation: 'Authentication failed: request a new token and retry.' } },
  { id: 'http/403', match: { status: 403 }, classify: { category: 'forbidden', reason: 'insufficient-permissions', remediation: 'Authenticated but not allowed: check the role\'s permissions, the token\'s scopes and the organization.' } },
  { id: 'http/404', match: { status: 404 }, classify: { category: 'not-found', reason: 'not-found', remediation: 'Check the URL and the resource ID; the entity may be deleted or belong to another tenant.' } },
  { id: 'http/408', match: { status: 408 }, classify: { category: 'network', reason: 'timeout', retryable: true, remediation: 'The server timed out waiting for the request; retry.' } },
  { id: 'http/409', match: { status: 409 }, classify: { category: 'conflict', reason: 'etag-mismatch', remediation: 'Another writer changed this record: re-read it, re-apply your change, and retry with the new _etag.' } },
  { id: 'http/412', match: { status: 412 }, classify: { category: 'conflict', reason: 'precondition-failed', remediation: 'The record changed since you read it: re-read it and apply your change again.' } },
  { id: 'http/413', match: { status: 413 }, classify: { category: 'bad-request', reason: 'payload-too-large', remediation: 'The request is too large; send less data per request.' } },
  { id: 'http/422', match: { status: 422 }, classify: { category: 'validation', reason: 'domain-rule', remediation: 'A field value violates a domain rule; fix the input and submit again.' } },
  { id: 'http/429', match: { status: 429 }, classify: { category: 'rate-limited', reason: 'rate-limited', remediation: 'Too many requests: back off (1 s doubling to 30 s, with jitter), batch related queries and cache data that rarely changes.' } },
  { id: 'http/500', match: { status: 500 }, classify: { category: 'server', reason: 'internal-error', remediation: 'A server-side failure; it is retried with backoff, and if it persists, check the status page or contact support.' } },
  { id: 'http/502', match: { status: 502 }, classify: { category: 'server', reason: 'bad-gateway', remediation: 'A gateway in front of the server failed; it is retried with backoff (1, 2, 4, 8 s).' } },
  { id: 'http/503', match: { status: 503 }, classify: { category: 'server', reason: 'service-unavailable', remediation: 'The service is temporarily unavailable; it is retried with backoff.' } },
  { id: 'http/504', match: { status: 504 }, classify: { category: 'server', reason: 'gateway-timeout', remediation: 'The request took too long (over 60 s at the gateway); narrow the request\'s scope, then retry.' } },
  { id: 'http/5xx', match: { status: (s) => s !== undefined && s >= 500 && s < 600 }, classify: { category: 'server', reason: 'server-error', remediation: 'A server-side failure; retry with exponential backoff.' } },
  { id: 'http/4xx', match: { status: (s) => s !== undefined && s >= 400 && s < 500 }, classify: { category: 'bad-request', reason: 'client-error', remediation: 'The server rejected the request; read the message, correct the request, and do not retry it unchanged.' } },
];
