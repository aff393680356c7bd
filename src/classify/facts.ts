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

function safeGet(source: unknown, key: string): unknown {
  try {
    return isRecord(source) || typeof source === 'function' || source instanceof Error
      ? (source as Record<string, unknown>)[key]
      : undefined;
  } catch {
    return undefined;
  }
}

function headersOf(error: unknown): Headers | undefined {
  const headers = safeGet(safeGet(error, 'response'), 'headers');
  return headers && typeof (headers as Headers).get === 'function' ? (headers as Headers) : undefined;
}

function retryAfterFrom(headers: Headers | undefined, extensions?: Record<string, unknown>): number | undefined {
  let header: string | null | undefined;
  try {
    header = headers?.get('retry-after');
  } catch {
    header = undefined;
  }
  const fromHeader = parseRetryAfter(header ?? undefined);
  if (fromHeader !== undefined) return fromHeader;
  if (!extensions) return undefined;
  const ms = extensions.retryAfterMs;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfter(extensions.retryAfter);
}

/** Facts for one GraphQL error object (`{ message, path, extensions }`), whatever its quality. */
export function graphQLErrorFacts(error: unknown, envelope: Envelope = {}): ErrorFacts {
  const extensions = isRecord(safeGet(error, 'extensions'))
    ? (safeGet(error, 'extensions') as Record<string, unknown>)
    : undefined;
  const rawPath = safeGet(error, 'path');
  const path =
    Array.isArray(rawPath) && rawPath.every((p) => typeof p === 'string' || typeof p === 'number')
      ? rawPath
      : undefined;
  const message = str(safeGet(error, 'message')) ?? (typeof error === 'string' ? error : '');
  const code = str(extensions?.code);
  const extStatus = safeGet(extensions?.http, 'status');
  return {
    source: 'graphql',
    status: envelope.status ?? (typeof extStatus === 'number' ? extStatus : undefined),
    code,
    message,
    extensions,
    path,
    retryAfterMs: retryAfterFrom(envelope.headers, extensions),
    body: isRecord(error) || typeof error === 'string' ? undefined : 'unexpected-shape',
    ...(isRecord(error) ? { raw: error } : {}),
    ...(envelope.extensions ? { responseExtensions: envelope.extensions } : {}),
  };
}

function looksLikeHtml(text: string): boolean {
  return /^\s*(<!doctype html|<html|<head|<body|<\?xml|<h1|<title)/i.test(text.slice(0, 200));
}

/** Facts for a parsed HTTP body: a GraphQL result, an OAuth error, a REST envelope, or anything else. */
export function bodyFacts(body: unknown, envelope: Envelope): ErrorFacts[] {
  if (isRecord(body)) {
    const errors = body.errors;
    if (Array.isArray(errors) && errors.length > 0) {
      const env = isRecord(body.extensions) ? { ...envelope, extensions: body.extensions } : envelope;
      return errors.slice(0, MAX_ERRORS).map((e) => graphQLErrorFacts(e, env));
    }
    if (typeof body.error === 'string') {
      return [
        {
          source: 'oauth',
          status: envelope.status,
          code: body.error,
          message: str(body.error_description) ?? body.error,
          description: str(body.error_description),
          retryAfterMs: retryAfterFrom(envelope.headers),
          raw: body,
        },
      ];
    }
    if (Array.isArray(body.data) && (body.type === 'Error' || body.status === 'error')) {
      const entries = body.data.slice(0, MAX_ERRORS);
      if (entries.length > 0) {
        return entries.map((entry) => ({
          source: 'rest' as const,
          status: envelope.status,
          message: str(safeGet(entry, 'message')) ?? '',
          propertyName: str(safeGet(entry, 'propertyName')),
          code: str(safeGet(entry, 'propertyName')),
          retryAfterMs: retryAfterFrom(envelope.headers),
          ...(isRecord(entry) ? { raw: entry } : {}),
        }));
      }
    }
    if (errors !== undefined && !Array.isArray(errors)) {
      const message = typeof errors === 'string' ? errors : (str(safeGet(errors, 'message')) ?? '');
      return [
        {
          source: 'http',
          status: envelope.status,
          message,
          body: 'unexpected-shape',
          retryAfterMs: retryAfterFrom(envelope.headers),
        },
      ];
    }
    const message = str(body.message) ?? str(body.error_description) ?? str(body.detail) ?? str(body.title) ?? '';
    const extensions = isRecord(body.extensions) ? body.extensions : undefined;
    return [
      {
        source: 'http',
        status: envelope.status,
        code: str(extensions?.code) ?? str(body.code),
        message,
        extensions,
        body: 'json',
        retryAfterMs: retryAfterFrom(envelope.headers, extensions),
        raw: body,
      },
    ];
  }
  return [
    {
      source: 'http',
      status: envelope.status,
      message: '',
      body: body === undefined || body === null ? 'empty' : 'unexpected-shape',
      retryAfterMs: retryAfterFrom(envelope.headers),
    },
  ];
}

/** Facts for a raw body text: parsed when it is JSON, else described (HTML page, truncated JSON, text). */
export function bodyTextFacts(text: string, envelope: Envelope): ErrorFacts[] {
  const trimmed = text.trim();
  if (trimmed === '')
    return [
      {
        source: 'http',
        status: envelope.status,
        message: '',
        body: 'empty',
        retryAfterMs: retryAfterFrom(envelope.headers),
      },
    ];
  if ((trimmed.startsWith('{') || trimmed.startsWith('[')) && trimmed.length <= MAX_BODY_CHARS) {
    try {
      return bodyFacts(JSON.parse(trimmed), envelope);
    } catch {
      return [
        {
          source: 'http',
          status: envelope.status,
          message: 'The response body is not valid JSON (truncated or malformed).',
          body: 'truncated-json',
          retryAfterMs: retryAfterFrom(envelope.headers),
        },
      ];
    }
  }
  if (looksLikeHtml(trimmed)) {
    const title = /<title[^>]*>([^<]{0,2000})<\/title>/i.exec(trimmed.slice(0, 4096))?.[1]?.trim();
    return [
      {
        source: 'http',
        status: envelope.status,
        message: title ? `HTML error page: ${title}` : 'HTML error page',
        body: 'html',
        retryAfterMs: retryAfterFrom(envelope.headers),
      },
    ];
  }
  return [
    {
      source: 'http',
      status: envelope.status,
      // Not cut here: the classifier redacts first and cuts after, so a token at the cut cannot leave a part behind.
      message: trimmed.slice(0, 20_000),
      body: 'text',
      retryAfterMs: retryAfterFrom(envelope.headers),
    },
  ];
}

const SYSTEM_CODES = /^(E[A-Z0-9_]{2,}|UND_ERR_[A-Z_]+|ABORT_ERR)$/;

function systemCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = safeGet(current, 'code');
    if (typeof code === 'string' && SYSTEM_CODES.test(code)) return code;
    const errno = safeGet(current, 'errno');
    if (typeof errno === 'string' && SYSTEM_CODES.test(errno)) return errno;
    current = safeGet(current, 'cause');
  }
  return undefined;
}

function messageOf(error: unknown): string {
  const message = str(safeGet(error, 'message')) ?? '';
  const cause = safeGet(error, 'cause');
  const causeMessage = str(safeGet(cause, 'message'));
  return causeMessage && causeMessage !== message ? `${message} (${causeMessage})` : message;
}

/**
 * Facts for any error-ish value: an Apollo error of either major, a fetch/network error,
 * a result with `errors`, a GraphQL error, a string, or garbage.
 */
export function collectFacts(input: unknown, envelope: Envelope = {}): ErrorFacts[] {
  try {
    return withHeaders(collect(input, envelope, 0), envelope.headers);
  } catch {
    return [{ source: 'unknown', message: '', body: 'unexpected-shape' }];
  }
}

/** Sets the response's headers on the facts that have none (profiles read vendor headers). */
function withHeaders(facts: ErrorFacts[], headers: Headers | undefined): ErrorFacts[] {
  if (headers) for (const fact of facts) fact.headers ??= headers;
  return facts;
}

function collect(input: unknown, envelope: Envelope, depth: number): ErrorFacts[] {
  if (depth > 4) return [{ source: 'unknown', message: '', body: 'unexpected-shape' }];
  if (typeof input === 'string') return [{ source: 'unknown', status: envelope.status, message: input }];
  // A primitive (or a function) thrown as an error: its string form is the message.
  if (typeof input !== 'object' || input === null)
    return [
      {
        source: 'unknown',
        status: envelope.status,
        // eslint-disable-next-line @typescript-eslint/no-base-to-string
        message: input === undefined || input === null ? '' : String(input),
        body: 'unexpected-shape',
      },
    ];

  const name = str(safeGet(input, 'name'));
  // AC4 CombinedGraphQLErrors / AC3 ApolloError with GraphQL errors.
  const graphQLErrors = safeGet(input, name === 'CombinedGraphQLErrors' ? 'errors' : 'graphQLErrors');
  if (Array.isArray(graphQLErrors) && graphQLErrors.length > 0) {
    const extensions = safeGet(input, 'extensions');
    const env = isRecord(extensions) ? { ...envelope, extensions } : envelope;
    const facts = graphQLErrors.slice(0, MAX_ERRORS).map((e) => graphQLErrorFacts(e, env));
    const networkError = safeGet(input, 'networkError');
    return networkError ? [...facts, ...collect(networkError, envelope, depth + 1)] : facts;
  }
  if (name === 'ApolloError') {
    const networkError = safeGet(input, 'networkError');
    if (networkError) return collect(networkError, envelope, depth + 1);
    const protocolErrors = safeGet(input, 'protocolErrors');
    if (Array.isArray(protocolErrors) && protocolErrors.length > 0)
      return protocolErrors.slice(0, MAX_ERRORS).map((e) => graphQLErrorFacts(e, envelope));
    const clientErrors = safeGet(input, 'clientErrors');
    if (Array.isArray(clientErrors) && clientErrors.length > 0) return collect(clientErrors[0], envelope, depth + 1);
  }
  if (name === 'CombinedProtocolErrors') {
    const errors = safeGet(input, 'errors');
    if (Array.isArray(errors) && errors.length > 0)
      return errors.slice(0, MAX_ERRORS).map((e) => graphQLErrorFacts(e, envelope));
  }

  // A GraphQL result `{ data, errors }` (with the status it came with, if it says).
  const ownStatus = safeGet(input, 'status');
  if (!(input instanceof Error) && 'errors' in input && safeGet(input, 'body') === undefined) {
    return bodyFacts(input, typeof ownStatus === 'number' ? { ...envelope, status: ownStatus } : envelope);
  }

  // Anything with a status: an Apollo ServerError of either major, a raw HTTP answer
  // `{ status, body, headers }`, or a plain object `{ statusCode | status, message, extensions }`.
  const server = readServerErrorBody(input);
  const status = server.status ?? (typeof ownStatus === 'number' ? ownStatus : undefined);
  if (status !== undefined) {
    const headersValue = safeGet(input, 'headers');
    const env: Envelope = {
      status,
      headers:
        headersOf(input) ??
        (headersValue && typeof (headersValue as Headers).get === 'function'
          ? (headersValue as Headers)
          : envelope.headers),
    };
    const body = server.body !== undefined ? server.body : safeGet(input, 'body');
    // AC3 keeps the raw text as `result` when the body is not JSON.
    if (typeof body === 'string') return withHeaders(bodyTextFacts(body, env), env.headers);
    if (body !== undefined && body !== null) return withHeaders(bodyFacts(body, env), env.headers);
    if (server.bodyText !== undefined) return withHeaders(bodyTextFacts(server.bodyText, env), env.headers);
    const extensions = isRecord(safeGet(input, 'extensions'))
      ? (safeGet(input, 'extensions') as Record<string, unknown>)
      : undefined;
    return withHeaders(
      [
        {
          source: 'http',
          status,
          code: str(extensions?.code),
          message: messageOf(input),
          extensions,
          retryAfterMs: retryAfterFrom(env.headers, extensions),
          body:
            name === undefined && !(input instanceof Error) && safeGet(input, 'message') === undefined
              ? 'empty'
              : undefined,
        },
      ],
      env.headers,
    );
  }
  if (name === 'ServerParseError' && server.bodyText !== undefined) return bodyTextFacts(server.bodyText, envelope);

  // A REST envelope or OAuth error object.
  if (!(input instanceof Error) && (safeGet(input, 'type') === 'Error' || typeof safeGet(input, 'error') === 'string'))
    return bodyFacts(input, envelope);

  // A thrown error: network failure, abort, timeout, or a plain error.
  if (input instanceof Error || name !== undefined) {
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
        extensions: isRecord(safeGet(input, 'extensions'))
          ? (safeGet(input, 'extensions') as Record<string, unknown>)
          : undefined,
      },
    ];
  }
  // A GraphQL error object on its own.
  if (typeof safeGet(input, 'message') === 'string') return [graphQLErrorFacts(input, envelope)];
  return [{ source: 'unknown', status: envelope.status, message: '', body: 'unexpected-shape' }];
}
