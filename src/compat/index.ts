// The only module that knows Apollo Client 3 from 4. Everything else imports from here.
//
// `@apollo/client/core/index.js` resolves to the user's own ApolloLink/Observable on both majors
// (AC4: rxjs, AC3: zen-observable). The CJS build rewrites it to `@apollo/client/core`.
import { ApolloLink, Observable, parseAndCheckHttpResponse } from '@apollo/client/core/index.js';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';

export { ApolloLink, Observable };

/** The operation a link receives, typed by whichever Apollo Client major is installed. */
export type LinkOperation = Parameters<ApolloLink['request']>[0];
/** The `forward` function a link receives. */
export type LinkForward = NonNullable<Parameters<ApolloLink['request']>[1]>;
/** What a link returns. */
export type LinkObservable = NonNullable<ReturnType<ApolloLink['request']>>;

/** A GraphQL error as it arrives in a response body (a plain object, or a `GraphQLError`). */
export interface GraphQLErrorLike {
  message: string;
  path?: ReadonlyArray<string | number>;
  locations?: ReadonlyArray<{ line: number; column: number }>;
  extensions?: Record<string, unknown>;
}

/** A result emitted by the link chain, as the links in this package see it. */
export interface ResultLike {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<GraphQLErrorLike>;
  extensions?: Record<string, unknown>;
  [key: string]: unknown;
}

/** The observer our links hand to `new Observable(fn)`: the subset both majors provide. */
export interface SinkLike {
  next(value: ResultLike): void;
  error(error: unknown): void;
  complete(): void;
  readonly closed: boolean;
}

export interface SubscriptionLike {
  unsubscribe(): void;
}

type Subscribable = {
  subscribe(observer: { next(v: unknown): void; error(e: unknown): void; complete(): void }): SubscriptionLike;
};

/** Builds the installed major's Observable from a producer that returns its teardown. */
// `void`: a producer may return nothing (no teardown), as both majors' Observables allow.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export function createObservable(producer: (sink: SinkLike) => (() => void) | void): LinkObservable {
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
  const ObservableCtor = Observable as unknown as new (fn: (sink: SinkLike) => (() => void) | void) => LinkObservable;
  return new ObservableCtor(producer);
}

/** Subscribes to whatever `forward` returned with the `{next, error, complete}` form both majors accept. */
export function subscribe(
  observable: LinkObservable,
  observer: { next(value: ResultLike): void; error(error: unknown): void; complete(): void },
): SubscriptionLike {
  return (observable as unknown as Subscribable).subscribe(observer);
}

/** A link from a request handler, with both parameters declared (AC3 treats `length <= 1` as terminating). */
export function createLink(handler: (operation: LinkOperation, forward: LinkForward) => LinkObservable): ApolloLink {
  return new ApolloLink((operation, forward) => handler(operation, forward));
}

export type OperationType = 'query' | 'mutation' | 'subscription';

/** `operation.operationType` on AC4; the main definition's `operation` on AC3. */
export function getOperationType(operation: LinkOperation): OperationType {
  const fromAc4 = (operation as { operationType?: string }).operationType;
  if (fromAc4 === 'query' || fromAc4 === 'mutation' || fromAc4 === 'subscription') return fromAc4;
  return operationTypeOf(operation.query, operation.operationName ?? undefined);
}

function operationTypeOf(query: DocumentNode, operationName?: string): OperationType {
  // A string, not graphql's `Kind` enum: no runtime import of graphql for one comparison.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-comparison
  const defs = query.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const def = defs.find((d) => !operationName || d.name?.value === operationName) ?? defs[0];
  return (def?.operation as OperationType | undefined) ?? 'query';
}

/** The context as a plain record (AC4 returns a frozen copy; never mutate it). */
export function getContext(operation: LinkOperation): Readonly<Record<string, unknown>> {
  return operation.getContext();
}

/** Adds (or replaces) request headers on the operation, keeping the ones already set (in `context`, when the caller already read it). */
export function setHeaders(
  operation: LinkOperation,
  headers: Record<string, string>,
  context: Readonly<Record<string, unknown>> = getContext(operation),
): void {
  const previous = (context.headers as Record<string, string> | undefined) ?? {};
  // The object form: one copy of the context instead of the function form's three.
  (operation.setContext as unknown as (patch: Record<string, unknown>) => void)({
    headers: { ...previous, ...headers },
  });
  rewritten.add(operation);
}

/** Operations whose headers a link changed: a context read before that is stale. */
const rewritten = new WeakSet();

/** Whether a link changed the operation's headers (since it started): then its context must be read again. */
export function headersRewritten(operation: LinkOperation): boolean {
  return rewritten.has(operation);
}

/** Header names (lower case) a link set for one operation only: requests derived from it do not inherit them. */
const requestOnlyHeaders = new WeakMap<object, Set<string>>();

/**
 * Sets a header that belongs to this operation alone (the retry link's Idempotency-Key: one key per
 * logical mutation). `executeForward` leaves it out of the requests it derives from the operation
 * (the etag re-read, the re-applied mutation), which get their own or none.
 */
export function setRequestOnlyHeader(operation: LinkOperation, name: string, value: string): void {
  setHeaders(operation, { [name]: value });
  let names = requestOnlyHeaders.get(operation);
  if (!names) requestOnlyHeaders.set(operation, (names = new Set()));
  names.add(name.toLowerCase());
}

export interface HeadersLike {
  get(name: string): string | null;
}

function isHeadersLike(value: unknown): value is HeadersLike {
  return typeof value === 'object' && value !== null && typeof (value as HeadersLike).get === 'function';
}

/**
 * The last HTTP response `HttpLink` stored in the context, if any; `errorStatus` is its status when
 * that is an error status (AC4 hands a non-2xx `application/graphql-response+json` body on as a result).
 */
export function getResponse(
  operation: LinkOperation,
): { status?: number; errorStatus?: number; headers?: HeadersLike } | undefined {
  const response = getContext(operation).response as { status?: unknown; headers?: unknown } | undefined;
  if (!response || typeof response !== 'object') return undefined;
  const status = typeof response.status === 'number' ? response.status : undefined;
  return {
    status,
    errorStatus: status !== undefined && status >= 400 ? status : undefined,
    headers: isHeadersLike(response.headers) ? response.headers : undefined,
  };
}

/**
 * What a transport error carries: AC4 `ServerError`/`ServerParseError` (`statusCode`, `bodyText`),
 * AC3 `ServerError` (`statusCode`, `result` already parsed) and `ServerParseError` (`bodyText`).
 */
export function readServerErrorBody(error: unknown): { status?: number; bodyText?: string; body?: unknown } {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { statusCode?: unknown; bodyText?: unknown; result?: unknown; response?: { status?: unknown } };
  const status =
    typeof e.statusCode === 'number'
      ? e.statusCode
      : typeof e.response?.status === 'number'
        ? e.response.status
        : undefined;
  return {
    status,
    bodyText: typeof e.bodyText === 'string' ? e.bodyText : undefined,
    body: e.result !== undefined ? e.result : undefined,
  };
}

/**
 * A transport error's body, parsed: AC3 keeps it as `result` (already parsed, or the raw text when it
 * was not JSON), AC4 as `bodyText`. Bodies longer than `maxChars` are not parsed.
 */
export function parseServerErrorBody(error: unknown, maxChars = 1_000_000): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { result?: unknown; bodyText?: unknown };
  if (e.result !== undefined) return e.result;
  if (typeof e.bodyText !== 'string' || e.bodyText.length >= maxChars) return undefined;
  try {
    return JSON.parse(e.bodyText);
  } catch {
    return undefined;
  }
}

/** The Apollo cache the operation's client uses: AC4 `operation.client.cache`, AC3 `context.cache`. */
export interface CacheLike {
  readQuery(options: { query: DocumentNode; variables?: Record<string, unknown> }): unknown;
  writeQuery(options: { query: DocumentNode; variables?: Record<string, unknown>; data: unknown }): unknown;
}

export function getCache(operation: LinkOperation): CacheLike | undefined {
  const client = (operation as { client?: { cache?: unknown } }).client;
  const cache = client?.cache ?? getContext(operation).cache;
  if (cache && typeof (cache as CacheLike).readQuery === 'function') return cache as CacheLike;
  return undefined;
}

/**
 * Runs a new request (e.g. the etag re-read) down the rest of the chain, starting at `forward`.
 * `ApolloLink.execute` builds a proper Operation on both majors (AC4 needs the client).
 */
export function executeForward(
  forward: LinkForward,
  from: LinkOperation,
  request: { query: DocumentNode; variables?: Record<string, unknown>; context?: Record<string, unknown> },
): LinkObservable {
  const through = createLink((op) => forward(op));
  const client = (from as { client?: unknown }).client;
  const { response: _ignored, ...inherited } = getContext(from) as Record<string, unknown>;
  const own = requestOnlyHeaders.get(from);
  if (own && typeof inherited.headers === 'object' && inherited.headers !== null) {
    inherited.headers = Object.fromEntries(
      Object.entries(inherited.headers).filter(([name]) => !own.has(name.toLowerCase())),
    );
  }
  // A static method that uses no `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const execute = ApolloLink.execute as unknown as (link: ApolloLink, req: unknown, ctx?: unknown) => LinkObservable;
  return execute(
    through,
    { query: request.query, variables: request.variables ?? {}, context: { ...inherited, ...request.context } },
    { client },
  );
}

/**
 * Hands a fetch `Response` on exactly as the installed major's `HttpLink` does after its `fetch`
 * resolved (the testing entry's `FaultLink` uses it to produce real error objects): the response is
 * stored in the context, the body parsed with Apollo's own `parseAndCheckHttpResponse` (AC4: a
 * `ServerError` with `statusCode`/`response`/`bodyText`, a non-2xx `application/graphql-response+json`
 * body as a result; AC3: `throwServerError`'s error with `statusCode`/`response`/`result`), and, as
 * AC3's `handleError` does, a failed response whose parsed body has `data` and `errors` is emitted as
 * a result before the error (AC4's `ServerError` has no `result`, so this never happens there).
 */
export function deliverHttpResponse(operation: LinkOperation, response: Response, sink: SinkLike): void {
  (operation.setContext as unknown as (patch: Record<string, unknown>) => void)({ response });
  const parse = parseAndCheckHttpResponse as unknown as (op: LinkOperation) => (r: Response) => Promise<ResultLike>;
  parse(operation)(response).then(
    (result) => {
      if (sink.closed) return;
      sink.next(result);
      sink.complete();
    },
    (error: unknown) => {
      if (sink.closed) return;
      const body = (error as { result?: { data?: unknown; errors?: unknown } } | null)?.result;
      if (body && typeof body === 'object' && body.errors && body.data) sink.next(body as ResultLike);
      sink.error(error);
    },
  );
}
