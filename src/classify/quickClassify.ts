// The compact classifier the links use when no ErrorClassifyLink annotated an error: HTTP status,
// `extensions.code`, network failures, `Retry-After`. The message tables (ION 401/403, REST
// envelopes, OAuth) live in the full classifier, next to the HttpLink in ErrorClassifyLink.
import { DEFAULT_REMEDIATION, RETRYABLE_CATEGORIES, attachClassifications, errorParts, readAnnotations } from './annotations.js';
import { parseServerErrorBody } from '../compat/index.js';
import { matchAuthMessage } from './authMessages.js';
import { redact } from './redact.js';
import { parseRetryAfter } from './retryAfter.js';
import type { Category, Classification } from './types.js';

const CODE_STATUS: Record<string, number> = {
  UNAUTHENTICATED: 401, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, CONFLICT: 409, BAD_USER_INPUT: 400,
  VALIDATION_ERROR: 422, RATE_LIMITED: 429, INTERNAL_SERVER_ERROR: 500, SERVICE_UNAVAILABLE: 503,
};
const STATUS_CATEGORY: Record<number, Category> = { 400: 'bad-request', 401: 'unauthenticated', 403: 'forbidden', 404: 'not-found', 408: 'network', 409: 'conflict', 412: 'conflict', 422: 'validation', 429: 'rate-limited' };
const NETWORK_REASON: Record<string, string> = { ECONNREFUSED: 'connection-refused', ENOTFOUND: 'dns', EAI_AGAIN: 'dns', ETIMEDOUT: 'timeout', UND_ERR_CONNECT_TIMEOUT: 'timeout', UND_ERR_HEADERS_TIMEOUT: 'timeout', ECONNRESET: 'connection-reset', EPIPE: 'connection-reset', UND_ERR_SOCKET: 'connection-reset' };

const STATUS_REASON: Record<number, string> = { 429: 'rate-limited', 500: 'internal-error', 502: 'bad-gateway', 503: 'service-unavailable', 504: 'gateway-timeout', 409: 'etag-mismatch' };
type Headers = { get(name: string): string | null };
type Any = Record<string, unknown>;

function categoryOf(status: number | undefined): Category {
  if (status === undefined || status < 400) return 'unknown';
  return STATUS_CATEGORY[status] ?? (status >= 500 ? 'server' : 'bad-request');
}

function make(category: Category, message: string, extra: Partial<Classification>, secrets?: ReadonlyArray<string>): Classification {
  const c: Classification = { category, message: redact(message || `${category} error`, secrets), retryable: RETRYABLE_CATEGORIES.has(category), refreshable: category === 'unauthenticated', remediation: DEFAULT_REMEDIATION[category], ...extra };
  for (const k of Object.keys(c) as Array<keyof Classification>) if (c[k] === undefined) delete c[k];
  return c;
}

function fromGraphQLError(e: unknown, status: number | undefined, retryAfterMs: number | undefined, secrets?: ReadonlyArray<string>): Classification {
  const err = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as Any;
  const ext = (typeof err.extensions === 'object' && err.extensions !== null ? err.extensions : {}) as Any;
  const code = typeof ext.code === 'string' ? ext.code : undefined;
  const message = typeof err.message === 'string' ? err.message : '';
  let semantic = (code && CODE_STATUS[code]) || (status !== undefined && status >= 400 ? status : undefined);
  if (!semantic && /etag mismatch|concurrent modification/i.test(message)) semantic = 409;
  const auth = matchAuthMessage(message);
  if (auth && (!semantic || semantic === 401 || semantic === 403)) semantic = 401;
  const category = categoryOf(semantic);
  const path = Array.isArray(err.path) ? (err.path as Array<string | number>) : undefined;
  return make(category, message, {
    status: semantic,
    code,
    path,
    reason: category === 'unauthenticated' && auth ? auth.reason : semantic !== undefined ? STATUS_REASON[semantic] : undefined,
    refreshable: category === 'unauthenticated' ? (auth ? auth.refreshable : true) : false,
    details: retryAfterMs !== undefined ? { retryAfterMs } : undefined,
  }, secrets);
}

/** Classifies without the rule tables; annotations from ErrorClassifyLink win. Never throws. */
export function quickClassify(input: unknown, options: { status?: number; headers?: Headers; secrets?: ReadonlyArray<string> } = {}): Classification[] {
  try {
    const existing = readAnnotations(input);
    if (existing) return existing;
    const parts = errorParts(input);
    if (parts) return parts.flatMap((part) => quickClassify(part, options));
    const e = (typeof input === 'object' && input !== null ? input : {}) as Any;
    const response = e.response as { headers?: Headers; status?: number } | undefined;
    const headers = response?.headers && typeof response.headers.get === 'function' ? response.headers : options.headers;
    const retryAfterMs = parseRetryAfter(headers?.get('retry-after') ?? undefined);
    const status = typeof e.statusCode === 'number' ? e.statusCode : options.status;
    if (typeof e.statusCode === 'number' || (!(input instanceof Error) && typeof e.message === 'string')) {
      const body = typeof e.statusCode === 'number' ? (parseServerErrorBody(e) as Any | undefined) : undefined;
      // A GraphQL body's first error, or a REST envelope's first entry.
      const first = body && Array.isArray(body.errors) ? body.errors[0] : body && Array.isArray(body.data) ? body.data[0] : undefined;
      if (first) return [fromGraphQLError(first, status, retryAfterMs, options.secrets)];
      if (typeof e.statusCode === 'number') return [make(categoryOf(status), String(e.message ?? ''), { status, reason: status !== undefined ? STATUS_REASON[status] : undefined, details: retryAfterMs !== undefined ? { retryAfterMs } : undefined }, options.secrets)];
      return [fromGraphQLError(e, status, retryAfterMs, options.secrets)];
    }
    let code: string | undefined;
    for (let c: unknown = input, depth = 0; c && depth < 4 && !code; c = (c as Any).cause, depth++) if (typeof (c as Any).code === 'string') code = (c as Any).code as string;
    const name = typeof e.name === 'string' ? e.name : '';
    const message = typeof e.message === 'string' ? e.message : String(input ?? '');
    if (name === 'AbortError') return [make('network', message, { reason: 'aborted', retryable: false })];
    if (name === 'TimeoutError') return [make('network', message, { reason: 'timeout' })];
    if ((code && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code)) || (name === 'TypeError' && /fetch|network|load failed/i.test(message))) {
      return [make('network', message, { reason: (code && NETWORK_REASON[code]) ?? 'fetch-failed', details: code ? { systemCode: code } : undefined }, options.secrets)];
    }
    return [make('unknown', message, { reason: 'unrecognized' }, options.secrets)];
  } catch {
    return [make('unknown', '', { reason: 'unexpected-shape' })];
  }
}

/** The error with its classification attached (an existing annotation wins). */
export function classified(error: unknown, options?: { secrets?: ReadonlyArray<string> }): unknown {
  return attachClassifications(error, quickClassify(error, options));
}
