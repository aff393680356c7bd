// What the etag link needs to know of an error: is it a conflict? Nothing more, so the link does not
// carry a classifier (an ErrorClassifyLink annotation wins when there is one).
import { readAnnotations, type ResilienceError, unexpectedError } from '../classify/annotations.js';
import { redact } from '../classify/redact.js';
import { parseServerErrorBody } from '../compat/index.js';
import type { Classification } from '../classify/types.js';

const ETAG_MESSAGE = /etag mismatch|concurrent modification|precondition failed/i;
const CONFLICT_CODES = new Set(['CONFLICT', 'ETAG_MISMATCH', 'PRECONDITION_FAILED']);

function conflict(message: string, status: number, code?: string): Classification {
  return {
    category: 'conflict',
    reason: 'etag-mismatch',
    status,
    ...(code ? { code } : {}),
    message: redact(message || 'Concurrent modification detected (etag mismatch).'),
    retryable: false,
    refreshable: false,
    remediation: 'Another writer changed this record: re-read it, re-apply your change on the latest version, and retry with the new _etag.',
  };
}

function fromGraphQLError(error: unknown, status: number | undefined): Classification | undefined {
  const annotation = readAnnotations(error)?.[0];
  if (annotation) return annotation.category === 'conflict' ? annotation : undefined;
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { message?: unknown; extensions?: { code?: unknown } };
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.extensions?.code === 'string' ? e.extensions.code : undefined;
  if ((code && CONFLICT_CODES.has(code)) || ETAG_MESSAGE.test(message.slice(0, 500)) || status === 409 || status === 412) return conflict(message, status ?? 409, code);
  return undefined;
}

/** The conflict a result (`errors[]`) carries, if any. `status` is the HTTP status it came with. */
export function conflictInResult(result: { errors?: ReadonlyArray<unknown> }, status?: number): Classification | undefined {
  if (!Array.isArray(result.errors)) return undefined;
  for (const e of result.errors) {
    const found = fromGraphQLError(e, status);
    if (found) return found;
  }
  return undefined;
}

/** The conflict a failed attempt carries, if any: an annotation, a 409/412, or an etag-mismatch body. */
export function conflictInError(error: unknown): Classification | undefined {
  const annotations = readAnnotations(error);
  if (annotations) return annotations.find((c) => c.category === 'conflict');
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { statusCode?: unknown; message?: unknown };
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const body = parseServerErrorBody(error, 100_000);
  const inBody = body && typeof body === 'object' ? conflictInResult(body as { errors?: unknown[] }, status) : undefined;
  if (inBody) return inBody;
  if (status === 409 || status === 412) return conflict(typeof e.message === 'string' ? e.message : '', status);
  return undefined;
}

/** A user callback (reread, reapply, onConflict) threw: a classified error with the cause kept. */
export function callbackFailed(error: unknown): ResilienceError {
  return unexpectedError(error, 'EtagConflictLink reread, reapply or onConflict', (t) => redact(t));
}
