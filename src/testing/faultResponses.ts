// What a server, a proxy or the network would hand `fetch` for each fault: a `Response` (the real
// class where the platform has one) or the error `fetch` rejects with. No Apollo knowledge here:
// `deliverHttpResponse` (compat) turns a Response into what the installed major's HttpLink emits.

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? (status >= 500 ? 'Server Error' : status >= 400 ? 'Client Error' : 'OK');
}

/** The parts of a response a fault describes. */
export interface ResponseSpec {
  status: number;
  headers: Record<string, string>;
  bodyText: string;
}

/** An object body becomes JSON (`application/json` unless a content type is given); a string is sent as is. The status is checked with the rule (`checkRule`). */
export function responseSpec(
  status: number,
  body: unknown,
  contentType: string | undefined,
  headers: Record<string, string> | undefined,
): ResponseSpec {
  const isText = typeof body === 'string';
  const bodyText = isText ? body : JSON.stringify(body);
  const type =
    contentType ??
    (isText
      ? /^\s*</.test(body)
        ? 'text/html; charset=utf-8'
        : 'text/plain; charset=utf-8'
      : 'application/json; charset=utf-8');
  return { status, bodyText, headers: { 'content-type': type, ...headers } };
}

/** A gateway's HTML error page, what a 5xx from a proxy or load balancer looks like. */
export function htmlErrorPage(status: number): string {
  const title = `${status} ${statusText(status)}`;
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`;
}

/** A GraphQL error body with one error. */
export function graphQLErrorBody(
  message: string,
  code: string,
): { errors: Array<{ message: string; extensions: { code: string } }> } {
  return { errors: [{ message, extensions: { code } }] };
}

class HeadersLike {
  private readonly map = new Map<string, string>();
  constructor(init: Record<string, string>) {
    for (const [name, value] of Object.entries(init)) this.map.set(name.toLowerCase(), value);
  }
  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  forEach(fn: (value: string, name: string) => void): void {
    this.map.forEach((value, name) => fn(value, name));
  }
}

/**
 * The platform's own `Response` (Node ≥ 18, browsers, jsdom with a fetch polyfill); where there is
 * none (jest's jsdom environment), an object with the members Apollo's HttpLink reads: `status`,
 * `statusText`, `ok`, `headers.get`, `text()`, `json()`, `clone()`.
 */
export function createResponse(spec: ResponseSpec): Response {
  const init = { status: spec.status, statusText: statusText(spec.status), headers: spec.headers };
  if (typeof Response === 'function') return new Response(spec.bodyText, init);
  const make = (): Response =>
    ({
      status: init.status,
      statusText: init.statusText,
      ok: init.status >= 200 && init.status < 300,
      headers: new HeadersLike(spec.headers),
      text: () => Promise.resolve(spec.bodyText),
      json: () => Promise.resolve().then(() => JSON.parse(spec.bodyText) as unknown),
      clone: make,
    }) as unknown as Response;
  return make();
}

/** The system error Node's fetch (undici) carries as `cause` for each code. */
const SYSCALLS: Record<string, { errno: number; syscall: string; message: string }> = {
  ECONNREFUSED: { errno: -111, syscall: 'connect', message: 'connect ECONNREFUSED' },
  ECONNRESET: { errno: -104, syscall: 'read', message: 'read ECONNRESET' },
  ENOTFOUND: { errno: -3008, syscall: 'getaddrinfo', message: 'getaddrinfo ENOTFOUND' },
  EAI_AGAIN: { errno: -3001, syscall: 'getaddrinfo', message: 'getaddrinfo EAI_AGAIN' },
  ETIMEDOUT: { errno: -110, syscall: 'connect', message: 'connect ETIMEDOUT' },
  EPIPE: { errno: -32, syscall: 'write', message: 'write EPIPE' },
};

/** `TypeError('fetch failed')` with `cause.code`, as Node's fetch rejects on a transport failure. */
export function networkError(code: string): TypeError {
  const known = SYSCALLS[code];
  const cause = Object.assign(new Error(known?.message ?? code), {
    code,
    ...(known ? { errno: known.errno, syscall: known.syscall } : {}),
  });
  return new TypeError('fetch failed', { cause });
}

/** What `fetch` rejects with when its signal aborts: a `DOMException` named `AbortError` (or `TimeoutError` for `AbortSignal.timeout`). */
export function abortError(reason: 'abort' | 'timeout'): Error {
  const [message, name] =
    reason === 'timeout'
      ? ['The operation was aborted due to timeout', 'TimeoutError']
      : ['This operation was aborted', 'AbortError'];
  if (typeof DOMException === 'function') return new DOMException(message, name);
  return Object.assign(new Error(message), { name });
}
