import { ApolloLink, createObservable, deliverHttpResponse, subscribe } from '../compat/index.js';
import type {
  LinkForward,
  LinkObservable,
  LinkOperation,
  ResultLike,
  SinkLike,
  SubscriptionLike,
} from '../compat/index.js';
import {
  abortError,
  createResponse,
  graphQLErrorBody,
  htmlErrorPage,
  networkError,
  responseSpec,
} from './faultResponses.js';
import { partialResult, type Path } from './partialResult.js';
import { mulberry32 } from './random.js';
import { later } from '../later.js';

export declare namespace FaultLink {
  /** The operation a rule's predicate and the `data` resolver receive. */
  type Operation = LinkOperation;

  /** Shape of the HTTP response of the status faults. */
  interface ResponseOptions {
    /** Extra response headers (`ETag`, `WWW-Authenticate`…); they override the fault's own. @defaultValue none */
    headers?: Record<string, string>;
    /** The body: an object is sent as JSON, a string as is. @defaultValue the fault's typical body (see each kind) */
    body?: unknown;
    /**
     * The response's `content-type`. `application/graphql-response+json` makes Apollo Client 4 read a
     * non-2xx body as a result instead of a `ServerError`.
     * @defaultValue `application/json` for an object body, `text/html` or `text/plain` for a string
     */
    contentType?: string;
    /** Latency before the response arrives. @defaultValue 0 */
    delayMs?: number;
  }

  /** Any HTTP status (200–599). */
  interface StatusFault extends ResponseOptions {
    kind: 'status';
    /** The response status: 500, 502, 503, 504 for a burst of server errors. */
    status: number;
  }
  /** 429 Too Many Requests with a `Retry-After` header; body: a `RATE_LIMITED` GraphQL error. */
  interface RateLimitFault extends ResponseOptions {
    kind: 'rate-limit';
    /** `Retry-After`: seconds (a number) or an HTTP-date (a string). @defaultValue 1 */
    retryAfter?: number | string;
  }
  /** 401 with `WWW-Authenticate: Bearer error="invalid_token"`; body: `Token is expired`, `UNAUTHENTICATED`. */
  interface TokenExpiredFault extends ResponseOptions {
    kind: 'token-expired';
  }
  /** 409 Conflict; body: an etag-mismatch GraphQL error with code `CONFLICT`. */
  interface ConflictFault extends ResponseOptions {
    kind: 'conflict';
  }
  /** The response arrives `delayMs` late, otherwise unchanged (forwarded, or from `data`). */
  interface SlowFault {
    kind: 'slow';
    /** How late. */
    delayMs: number;
  }
  /**
   * The connection drops: `fetch` rejects with `TypeError('fetch failed')` whose `cause.code` is `code`.
   * With `applied`, the request is forwarded first and its result discarded: the server executed it,
   * the client never hears (the case idempotency keys exist for).
   */
  interface DropFault {
    kind: 'drop';
    /** The system error code: `ECONNRESET`, `ECONNREFUSED` (never reached the server), `ENOTFOUND`, `ETIMEDOUT`… @defaultValue 'ECONNRESET' */
    code?: string;
    /** Forward the request (or call `data`) before dropping, so the server has applied it. @defaultValue false */
    applied?: boolean;
    /** Latency before the drop. @defaultValue 0 */
    delayMs?: number;
  }
  /** `fetch` rejects as when the app's own signal aborts it: `AbortError`, or `TimeoutError` from `AbortSignal.timeout`. */
  interface AbortFault {
    kind: 'abort';
    /** @defaultValue 'abort' */
    reason?: 'abort' | 'timeout';
    /** Latency before the abort. @defaultValue 0 */
    delayMs?: number;
  }
  /** The response arrives with the fields at `paths` set to `null` and one GraphQL error per path (HTTP 200). */
  interface PartialFault {
    kind: 'partial';
    /** Field paths in `data`, e.g. `[['purchaseOrder', 'supplier']]`. */
    paths: ReadonlyArray<Path>;
    /** The errors' message. @defaultValue 'Subgraph unavailable' */
    message?: string;
    /** The errors' `extensions.code` (`INTERNAL_SERVER_ERROR` is retryable, so a retry link retries and merges). @defaultValue 'INTERNAL_SERVER_ERROR' */
    code?: string;
    /** Latency before the response arrives. @defaultValue 0 */
    delayMs?: number;
  }
  type Fault =
    | StatusFault
    | RateLimitFault
    | TokenExpiredFault
    | ConflictFault
    | SlowFault
    | DropFault
    | AbortFault
    | PartialFault;
  type Kind = Fault['kind'];

  /** Which operations a rule applies to: an operation name, several, a pattern, or a predicate. */
  type Match = string | ReadonlyArray<string> | RegExp | ((operation: Operation) => boolean);

  interface Rule {
    /** The operations this rule applies to. @defaultValue every operation */
    match?: Match;
    /** What happens to them. */
    fault: Fault;
    /** How many requests it hits; then it is spent and later rules (or no fault) apply. @defaultValue Infinity */
    times?: number;
    /** The share of matching requests it hits (0–1), drawn from the link's seeded generator. @defaultValue 1 */
    probability?: number;
    /** Matching requests to let through before it starts. @defaultValue 0 */
    skip?: number;
  }

  interface Options {
    /** The seed of the generator behind `probability`: the same seed gives the same faults on every run. @defaultValue 1 */
    seed?: number;
    /**
     * Makes the FaultLink the terminating link: the `data` of every request it does not fail (sync or
     * async), sent through the same HTTP parsing as a real 200 response. Without it, requests are forwarded.
     * @defaultValue none (forward)
     */
    data?: (operation: Operation) => Record<string, unknown> | null | PromiseLike<Record<string, unknown> | null>;
  }

  /** One request the link saw. */
  interface Request {
    operationName: string | undefined;
    /** The fault injected, `undefined` when the request passed unharmed. */
    fault: Kind | undefined;
    /** The index of the rule that fired (in the order given and added). */
    rule: number | undefined;
    at: number;
  }
}

interface RuleState {
  rule: FaultLink.Rule;
  hits: number;
  skipped: number;
}

function matches(match: FaultLink.Match | undefined, operation: LinkOperation): boolean {
  if (match === undefined) return true;
  if (typeof match === 'function') return match(operation);
  const name = operation.operationName ?? '';
  if (typeof match === 'string') return name === match;
  if (match instanceof RegExp) return match.test(name);
  return match.includes(name);
}

/** A rule the link cannot turn into a response fails here, not later inside a delay's timer. */
function checkRule(rule: FaultLink.Rule): FaultLink.Rule {
  const { probability = 1, times = Infinity, skip = 0, fault } = rule;
  if (!(probability >= 0 && probability <= 1))
    throw new RangeError(`FaultLink: probability must be between 0 and 1, got ${String(probability)}`);
  if (!(times >= 0) || !(skip >= 0)) throw new RangeError('FaultLink: times and skip must be ≥ 0');
  const {
    status,
    headers,
    contentType = '',
    retryAfter = 1,
  } = fault as FaultLink.StatusFault & Omit<FaultLink.RateLimitFault, 'kind'>;
  // Every fault's response has a body: a 204, 205 or 304 cannot.
  if (
    fault.kind === 'status' &&
    !(Number.isInteger(status) && status > 199 && status < 600 && ![204, 205, 304].includes(status))
  )
    throw new RangeError(
      `FaultLink: status ${status} is not one of a response with a body (200–599 but 204, 205, 304)`,
    );
  for (const [name, value] of Object.entries({ ...headers, 'content-type': contentType, 'retry-after': retryAfter }))
    if (!/^[!#$%&'*+.^_`|~\w-]+$/.test(name) || /[\0\n\r\u0100-\uffff]/.test(String(value)))
      throw new TypeError(`FaultLink: invalid header ${name}: ${JSON.stringify(value)}`);
  return rule;
}

/**
 * Injects failures into an Apollo link chain for tests and stories: by operation name or predicate,
 * scripted with counts (`times`) and seeded probabilities. Each fault produces exactly what the
 * installed Apollo Client's `HttpLink` would (the real `ServerError` with a real `Response`, a
 * `TypeError('fetch failed')` with `cause.code`, an `AbortError`), so the code under test sees what
 * production sees.
 *
 * Put it before your `HttpLink` (or `MockLink`), or last with a `data` resolver.
 *
 * @example
 * ```ts
 * const faults = new FaultLink([{ match: 'PurchaseOrder', fault: { kind: 'status', status: 503 }, times: 2 }]);
 * const link = ApolloLink.from([createResilienceLink(), faults, new HttpLink({ uri })]);
 * ```
 */
export class FaultLink extends ApolloLink {
  private readonly rules: RuleState[] = [];
  private readonly initialRules: FaultLink.Rule[];
  private readonly seed: number;
  private random: () => number;
  private readonly data: FaultLink.Options['data'];
  private readonly log: FaultLink.Request[] = [];

  constructor(rules: ReadonlyArray<FaultLink.Rule> = [], options: FaultLink.Options = {}) {
    super();
    const { seed = 1, data } = options;
    this.seed = seed;
    this.random = mulberry32(seed);
    this.data = data;
    this.initialRules = rules.map(checkRule);
    this.add(...this.initialRules);
  }

  /** Every request the link saw, oldest first: which fault it got, if any. */
  get requests(): ReadonlyArray<FaultLink.Request> {
    return this.log;
  }

  /** The requests that got a fault. */
  get injected(): ReadonlyArray<FaultLink.Request & { fault: FaultLink.Kind }> {
    return this.log.filter((r): r is FaultLink.Request & { fault: FaultLink.Kind } => r.fault !== undefined);
  }

  /** Appends rules (a script that changes during a test: "now the server is back"). */
  add(...rules: FaultLink.Rule[]): this {
    for (const rule of rules) this.rules.push({ rule: checkRule(rule), hits: 0, skipped: 0 });
    return this;
  }

  /** Removes every rule: from now on every request passes. */
  clear(): this {
    this.rules.length = 0;
    return this;
  }

  /** Back to the constructor's rules with fresh counts, the seed's first number, and an empty `requests`. */
  reset(): this {
    this.clear().add(...this.initialRules);
    this.random = mulberry32(this.seed);
    this.log.length = 0;
    return this;
  }

  /** The first rule that applies to this request, with its counters advanced. */
  private pick(operation: LinkOperation): { fault: FaultLink.Fault; index: number } | undefined {
    for (let index = 0; index < this.rules.length; index++) {
      const state = this.rules[index]!;
      const { rule } = state;
      if (state.hits >= (rule.times ?? Infinity) || !matches(rule.match, operation)) continue;
      if (state.skipped < (rule.skip ?? 0)) {
        state.skipped += 1;
        continue;
      }
      const probability = rule.probability ?? 1;
      if (probability < 1 && !(this.random() < probability)) continue;
      state.hits += 1;
      return { fault: rule.fault, index };
    }
    return undefined;
  }

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    // Picked per subscription: a link above that re-subscribes for a retry gets the next fault in the script.
    return createObservable((sink) => {
      const picked = this.pick(operation);
      this.log.push({
        operationName: operation.operationName ?? undefined,
        fault: picked?.fault.kind,
        rule: picked?.index,
        at: Date.now(),
      });
      const run = new Run(operation, forward, this.data, sink);
      run.start(picked?.fault);
      return () => run.cancel();
    });
  }
}

/** One request through the link: its timer and upstream subscription, both cancelled on unsubscribe. */
class Run {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private upstreamSubscription: SubscriptionLike | undefined;
  private cancelled = false;

  constructor(
    private readonly operation: LinkOperation,
    private readonly forward: LinkForward | undefined,
    private readonly data: FaultLink.Options['data'],
    private readonly sink: SinkLike,
  ) {}

  start(fault: FaultLink.Fault | undefined): void {
    const delayMs = fault && 'delayMs' in fault ? (fault.delayMs ?? 0) : 0;
    // Whatever throws (a body JSON cannot write) ends the request, also inside the delay's timer.
    const act = () => {
      try {
        this.act(fault);
      } catch (error) {
        this.fail(error);
      }
    };
    if (delayMs > 0) this.timer = later(act, delayMs);
    else act();
  }

  cancel(): void {
    this.cancelled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.upstreamSubscription?.unsubscribe();
  }

  private act(fault: FaultLink.Fault | undefined): void {
    this.timer = undefined;
    if (this.cancelled) return;
    switch (fault?.kind) {
      case undefined:
      case 'slow':
        return this.upstream(this.sink);
      case 'partial': {
        const { paths, message = 'Subgraph unavailable', code = 'INTERNAL_SERVER_ERROR' } = fault;
        return this.upstream(this.sink, (result) => partialResult(result, paths, message, code));
      }
      case 'drop': {
        const error = networkError(fault.code ?? 'ECONNRESET');
        if (!fault.applied) return this.sink.error(error);
        // The server executes the request; the answer is lost on the way back.
        return this.upstream({
          next: () => undefined,
          error: () => this.fail(error),
          complete: () => this.fail(error),
          get closed() {
            return false;
          },
        });
      }
      case 'abort':
        return this.sink.error(abortError(fault.reason ?? 'abort'));
      case 'status':
        return this.respond(fault.status, fault, undefined, {});
      case 'rate-limit':
        return this.respond(429, fault, graphQLErrorBody('Too many requests, please retry later', 'RATE_LIMITED'), {
          'retry-after': String(fault.retryAfter ?? 1),
        });
      case 'token-expired':
        return this.respond(401, fault, graphQLErrorBody('Token is expired', 'UNAUTHENTICATED'), {
          'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"',
        });
      case 'conflict':
        return this.respond(
          409,
          fault,
          graphQLErrorBody('Etag mismatch: the record was changed by someone else', 'CONFLICT'),
          {},
        );
    }
  }

  private fail(error: unknown): void {
    if (!this.cancelled && !this.sink.closed) this.sink.error(error);
  }

  /** Sends a response through Apollo's own HTTP parsing: the real error classes, context.response set. */
  private respond(
    status: number,
    options: FaultLink.ResponseOptions,
    typicalBody: unknown,
    faultHeaders: Record<string, string>,
  ): void {
    const body = options.body ?? typicalBody ?? htmlErrorPage(status);
    const spec = responseSpec(status, body, options.contentType, { ...faultHeaders, ...options.headers });
    deliverHttpResponse(this.operation, createResponse(spec), this.guarded(this.sink));
  }

  /** The forwarded result, or the `data` resolver's as a 200 response; `transform` rewrites each result. */
  private upstream(target: SinkLike, transform?: (result: ResultLike) => ResultLike): void {
    if (this.data) {
      const data = this.data;
      Promise.resolve()
        .then(() => data(this.operation))
        .then(
          (value) => {
            if (this.cancelled) return;
            const result: ResultLike = transform ? transform({ data: value }) : { data: value };
            deliverHttpResponse(
              this.operation,
              createResponse(responseSpec(200, result, undefined, undefined)),
              this.guarded(target),
            );
          },
          (error: unknown) => {
            if (!this.cancelled) target.error(error);
          },
        );
      return;
    }
    if (!this.forward) {
      target.error(
        new Error(
          'FaultLink: it is the last link of the chain and has no `data` resolver; put it before your HttpLink or pass `data`',
        ),
      );
      return;
    }
    this.upstreamSubscription = subscribe(this.forward(this.operation), {
      next: (result) => target.next(transform ? transform(result) : result),
      error: (error) => target.error(error),
      complete: () => target.complete(),
    });
  }

  /** A sink that goes quiet once the run is cancelled. */
  private guarded(target: SinkLike): SinkLike {
    const isCancelled = () => this.cancelled;
    return {
      next: (value) => isCancelled() || target.next(value),
      error: (error) => isCancelled() || target.error(error),
      complete: () => isCancelled() || target.complete(),
      get closed() {
        return isCancelled() || target.closed;
      },
    };
  }
}
