// What the auth link needs to know of an error: is it an authentication failure, and can a new
// token fix it? An ErrorClassifyLink annotation wins; alone, the link reads 401s, the
// UNAUTHENTICATED / UNAUTHORIZED codes and the 401 message table — no full classifier here.
import { readAnnotations } from '../classify/annotations.js';
import { parseServerErrorBody } from '../compat/index.js';
import { matchAuthMessage } from '../classify/authMessages.js';
import { redact } from '../classify/redact.js';
import type { Classification } from '../classify/types.js';

const AUTH_CODES = new Set(['UNAUTHENTICATED', 'UNAUTHORIZED', 'INVALID_TOKEN', 'TOKEN_EXPIRED']);

function unauthenticated(message: string, secrets: ReadonlyArray<string>, code?: string): Classification {
  const known = matchAuthMessage(message);
  return {
    category: 'unauthenticated',
    reason: known?.reason ?? 'invalid-token',
    status: 401,
    ...(code ? { code } : {}),
    message: redact(message || 'Authentication failed', secrets),
    retryable: false,
    refreshable: known?.refreshable ?? true,
    remediation: known?.refreshable === false ? 'A new token cannot fix this: the account, organization or sign-in method needs attention; sign in again once it is resolved.' : 'Sign in again or refresh the access token.',
  };
}

function fromGraphQLError(error: unknown, status: number | undefined, secrets: ReadonlyArray<string>): Classification | undefined {
  const annotation = readAnnotations(error)?.[0];
  if (annotation) return annotation.category === 'unauthenticated' ? annotation : undefined;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { message?: unknown; extensions?: { code?: unknown } };
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.extensions?.code === 'string' ? e.extensions.code : undefined;
  const known = matchAuthMessage(message);
  if (status === 401 || (code && AUTH_CODES.has(code)) || (known && (status === undefined || status === 200 || status === 403))) return unauthenticated(message, secrets, code);
  return undefined;
}

/** The authentication failure a result (`errors[]`) carries, if any. */
export function authFailureInResult(result: { errors?: ReadonlyArray<unknown> }, status: number | undefined, secrets: ReadonlyArray<string>): Classification | undefined {
  if (!Array.isArray(result.errors)) return undefined;
  for (const e of result.errors) {
    const found = fromGraphQLError(e, status, secrets);
    if (found) return found;
  }
  return undefined;
}

/** The authentication failure a failed request carries, if any (a 401, or an auth error in its body). */
export function authFailureInError(error: unknown, secrets: ReadonlyArray<string>): Classification | undefined {
  const annotations = readAnnotations(error);
  if (annotations) return annotations.find((c) => c.category === 'unauthenticated');
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const body = parseServerErrorBody(error, 100_000);
  if (body && typeof body === 'object') {
    const b = body as { errors?: unknown[]; data?: unknown };
    // A GraphQL body, or a REST envelope `{ data: [{ message, propertyName }] }`.
    const entries = Array.isArray(b.errors) ? b.errors : Array.isArray(b.data) ? b.data : undefined;
    const found = entries ? authFailureInResult({ errors: entries }, status, secrets) : undefined;
    if (found) return found;
  }
  if (status === 401) return unauthenticated(typeof e.message === 'string' ? e.message : '', secrets);
  return undefined;
}
