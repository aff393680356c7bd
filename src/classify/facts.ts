import { readServerErrorBody } from '../compat/index.js';
import { MAX_ERRORS } from './annotations.js';
import { parseRetryAfter } from './retryAfter.js';
import type { ErrorFacts } from './types.js';

/** A body longer than this is not parsed (the first part is still scanned for its shape). */
const MAX_BODY_CHARS = 1_000_000;

type Headers = { get(name: string): string | null };

interface Envelope {
  status?: number;
  headers?: Headers;
  /** The GraphQL response's top-level `extensions`. */
  extensions?: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** `source[key]`, or undefined where reading it is not possible or throws (a hostile getter). */
export function safeGet(source: unknown, key: string): unknown {
  try {
    return isRecord(source) || typeof source === 'function' || source instanceof Error
      ? (source as Record<string, unknown>)[key]
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A copy of `source[key]` when it is an object, each field read once with `safeGet`: a getter that
 * throws is an absent field, so nothing that later reads the facts (rules, profiles) can throw on it.
 */
function recordAt(source: unknown, key: string): Record<string, unknown> | undefined {
  const value = safeGet(source, key);
  try {
    return isRecord(value) ? Object.fromEntries(Object.keys(value).map((k) => [k, safeGet(value, k)])) : undefined;
  } catch {
    return undefined; // a revoked proxy, or keys that cannot be listed
  }
}

function headersIn(value: unknown): Headers | undefined {
  return value && typeof (value as Headers).get === 'function' ? (value as Headers) : undefined;
}

/** `Retry-After` from the headers, else `extensions.retryAfterMs` or `extensions.retryAfter`. */
function retryAfterFrom(headers: Headers | undefined, extensions: Record<string, unknown> | undefined) {
  let header: unknown;
  try {
    header = headers?.get('retry-after');
  } catch {
    // unreadable headers carry no Retry-After
  }
  const ms = extensions?.retryAfterMs;
  return (
    parseRetryAfter(header) ??
    (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : parseRetryAfter(extensions?.retryAfter))
  );
}

/** Facts of an HTTP answer that is not a list of errors. */
const http = (envelope: Envelope, message: string, body?: ErrorFacts['body']): ErrorFacts => ({
  source: 'http',
  status: envelope.status,
  message,
  body,
});

/** Facts of something that is no error at all. */
const shapeless = (status?: number, message = ''): ErrorFacts => ({
  source: 'unknown',
  status,
  message,
  body: 'unexpected-shape',
});

/** Facts for one GraphQL error object (`{ message, path, extensions }`), whatever its quality. */
function graphQLErrorFacts(error: unknown, envelope: Envelope): ErrorFacts {
  const extensions = recordAt(error, 'extensions');
  const path = safeGet(error, 'path');
  const extStatus = safeGet(extensions?.http, 'status');
  return {
    source: 'graphql',
    status: envelope.status ?? (typeof extStatus === 'number' ? extStatus : undefined),
    code: str(extensions?.code),
    message: str(safeGet(error, 'message')) ?? (typeof error === 'string' ? error : ''),
    extensions,
    path: Array.isArray(path) && path.every((p) => typeof p === 'string' || typeof p === 'number') ? path : undefined,
    body: isRecord(error) || typeof error === 'string' ? undefined : 'unexpected-shape',
    ...(isRecord(error) ? { raw: error } : {}),
    ...(envelope.extensions ? { responseExtensions: envelope.extensions } : {}),
  };
}

/** Facts for each GraphQL error of a non-empty list (the first `MAX_ERRORS`), or undefined. */
function each(list: unknown, envelope: Envelope): ErrorFacts[] | undefined {
  return Array.isArray(list) && list.length > 0
    ? list.slice(0, MAX_ERRORS).map((e) => graphQLErrorFacts(e, envelope))
    : undefined;
}

/** Facts for a parsed HTTP body: a GraphQL result, an OAuth error, a REST envelope, or anything else. */
function bodyFacts(body: unknown, envelope: Envelope): ErrorFacts[] {
  if (!isRecord(body)) return [http(envelope, '', body === undefined || body === null ? 'empty' : 'unexpected-shape')];
  const { errors, data } = body;
  const extensions = recordAt(body, 'extensions');
  const graphql = each(errors, extensions ? { ...envelope, extensions } : envelope);
  if (graphql) return graphql;
  if (typeof body.error === 'string')
    return [
      {
        source: 'oauth',
        status: envelope.status,
        code: body.error,
        message: str(body.error_description) ?? body.error,
        description: str(body.error_description),
        raw: body,
      },
    ];
  if (Array.isArray(data) && (body.type === 'Error' || body.status === 'error') && data.length > 0)
    return data.slice(0, MAX_ERRORS).map((entry: unknown): ErrorFacts => {
      const propertyName = str(safeGet(entry, 'propertyName'));
      return {
        source: 'rest',
        status: envelope.status,
        message: str(safeGet(entry, 'message')) ?? '',
        propertyName,
        code: propertyName,
        ...(isRecord(entry) ? { raw: entry } : {}),
      };
    });
  if (errors !== undefined && !Array.isArray(errors))
    return [
      http(envelope, typeof errors === 'string' ? errors : (str(safeGet(errors, 'message')) ?? ''), 'unexpected-shape'),
    ];
  return [
    {
      ...http(
        envelope,
        str(body.message) ?? str(body.error_description) ?? str(body.detail) ?? str(body.title) ?? '',
        'json',
      ),
      code: str(extensions?.code) ?? str(body.code),
      extensions,
      raw: body,
    },
  ];
}

/** Facts for a raw body text: parsed when it is JSON, else described (HTML page, truncated JSON, text). */
function bodyTextFacts(text: string, envelope: Envelope): ErrorFacts[] {
  const trimmed = text.trim();
  if (trimmed === '') return [http(envelope, '', 'empty')];
  if ((trimmed[0] === '{' || trimmed[0] === '[') && trimmed.length <= MAX_BODY_CHARS) {
    try {
      return bodyFacts(JSON.parse(trimmed), envelope);
    } catch {
      return [http(envelope, 'The response is not valid JSON.', 'truncated-json')];
    }
  }
  if (/^(<!doctype html|<html|<head|<body|<\?xml|<h1|<title)/i.test(trimmed.slice(0, 200))) {
    const title = /<title[^>]*>([^<]{0,2000})<\/title>/i.exec(trimmed.slice(0, 4096))?.[1]?.trim();
    return [http(envelope, title ? `HTML error page: ${title}` : 'HTML error page', 'html')];
  }
  // Not cut here: the classifier redacts first and cuts after, so a token at the cut cannot leave a part behind.
  return [http(envelope, trimmed.slice(0, 20_000), 'text')];
}

const SYSTEM_CODES = /^(E[A-Z0-9_]{2,}|UND_ERR_[A-Z_]+|ABORT_ERR)$/;

/** A system error code (`ECONNRESET`…) in `code` or `errno` of the error or its causes. */
function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    for (const key of ['code', 'errno']) {
      const code = safeGet(current, key);
      if (typeof code === 'string' && SYSTEM_CODES.test(code)) return code;
    }
    current = safeGet(current, 'cause');
  }
  return undefined;
}

function messageOf(error: unknown): string {
  const message = str(safeGet(error, 'message')) ?? '';
  const causeMessage = str(safeGet(safeGet(error, 'cause'), 'message'));
  return causeMessage && causeMessage !== message ? `${message} (${causeMessage})` : message;
}

/**
 * Facts for any error-ish value: an Apollo error of either major, a fetch/network error,
 * a result with `errors`, a GraphQL error, a string, or garbage.
 */
export function collectFacts(input: unknown, envelope: Envelope = {}): ErrorFacts[] {
  try {
    const facts = withHeaders(collect(input, envelope, 0), envelope.headers);
    // What the server answered may say how long to wait; a thrown error or a value cannot.
    for (const f of facts)
      if (f.source !== 'unknown' && f.source !== 'network') f.retryAfterMs = retryAfterFrom(f.headers, f.extensions);
    return facts;
  } catch {
    return [shapeless()];
  }
}

/** Sets the response's headers on the facts that have none (profiles read vendor headers). */
function withHeaders(facts: ErrorFacts[], headers: Headers | undefined): ErrorFacts[] {
  if (headers) for (const fact of facts) fact.headers ??= headers;
  return facts;
}

function collect(input: unknown, envelope: Envelope, depth: number): ErrorFacts[] {
  if (depth > 4) return [shapeless()];
  if (typeof input === 'string') return [{ source: 'unknown', status: envelope.status, message: input }];
  // A primitive (or a function) thrown as an error: its string form is the message.
  if (typeof input !== 'object' || input === null)
    // eslint-disable-next-line @typescript-eslint/no-base-to-string
    return [shapeless(envelope.status, input == null ? '' : String(input))];

  const name = str(safeGet(input, 'name'));
  const extensions = recordAt(input, 'extensions');
  const networkError = safeGet(input, 'networkError');
  // AC4 CombinedGraphQLErrors / AC3 ApolloError with GraphQL errors.
  const graphql = each(
    safeGet(input, name === 'CombinedGraphQLErrors' ? 'errors' : 'graphQLErrors'),
    extensions ? { ...envelope, extensions } : envelope,
  );
  if (graphql) return networkError ? [...graphql, ...collect(networkError, envelope, depth + 1)] : graphql;
  if (name === 'ApolloError') {
    if (networkError) return collect(networkError, envelope, depth + 1);
    const protocol = each(safeGet(input, 'protocolErrors'), envelope);
    if (protocol) return protocol;
    const clientErrors = safeGet(input, 'clientErrors');
    if (Array.isArray(clientErrors) && clientErrors.length > 0) return collect(clientErrors[0], envelope, depth + 1);
  }
  if (name === 'CombinedProtocolErrors') {
    const protocol = each(safeGet(input, 'errors'), envelope);
    if (protocol) return protocol;
  }

  // A GraphQL result `{ data, errors }` (with the status it came with, if it says).
  const ownStatus = safeGet(input, 'status');
  const isError = input instanceof Error;
  if (!isError && 'errors' in input && safeGet(input, 'body') === undefined)
    return bodyFacts(input, typeof ownStatus === 'number' ? { ...envelope, status: ownStatus } : envelope);

  // Anything with a status: an Apollo ServerError of either major, a raw HTTP answer
  // `{ status, body, headers }`, or a plain object `{ statusCode | status, message, extensions }`.
  const server = readServerErrorBody(input);
  const status = server.status ?? (typeof ownStatus === 'number' ? ownStatus : undefined);
  if (status !== undefined) {
    const env: Envelope = {
      status,
      headers:
        headersIn(safeGet(safeGet(input, 'response'), 'headers')) ??
        headersIn(safeGet(input, 'headers')) ??
        envelope.headers,
    };
    const body = server.body !== undefined ? server.body : safeGet(input, 'body');
    return withHeaders(
      // AC3 keeps the raw text as `result` when the body is not JSON.
      typeof body === 'string'
        ? bodyTextFacts(body, env)
        : body !== undefined && body !== null
          ? bodyFacts(body, env)
          : server.bodyText !== undefined
            ? bodyTextFacts(server.bodyText, env)
            : [
                {
                  ...http(
                    env,
                    messageOf(input),
                    name === undefined && !isError && safeGet(input, 'message') === undefined ? 'empty' : undefined,
                  ),
                  code: str(extensions?.code),
                  extensions,
                },
              ],
      env.headers,
    );
  }
  if (name === 'ServerParseError' && server.bodyText !== undefined) return bodyTextFacts(server.bodyText, envelope);

  // A REST envelope or OAuth error object.
  if (!isError && (safeGet(input, 'type') === 'Error' || typeof safeGet(input, 'error') === 'string'))
    return bodyFacts(input, envelope);

  // A thrown error: network failure, abort, timeout, or a plain error.
  if (isError || name !== undefined) {
    const systemCode = systemCodeOf(input);
    const message = messageOf(input);
    const isNetwork =
      systemCode !== undefined ||
      name === 'AbortError' ||
      name === 'TimeoutError' ||
      (name === 'TypeError' && /fetch|network|load failed|socket|connect/i.test(message));
    return [
      {
        source: isNetwork ? 'network' : 'unknown',
        status: envelope.status,
        message,
        errorName: name,
        systemCode,
        extensions,
      },
    ];
  }
  // A GraphQL error object on its own; an explicit extensions.code makes one whatever its message is (missing, 42…).
  if (typeof safeGet(input, 'message') === 'string' || typeof extensions?.code === 'string')
    return [graphQLErrorFacts(input, envelope)];
  return [shapeless(envelope.status)];
}
