import { AuthRefreshLink } from './auth/AuthRefreshLink.js';
import { ResilienceError } from './classify/annotations.js';
import { ErrorClassifyLink } from './classify/ErrorClassifyLink.js';
import { ApolloLink, createObservable, getContext, getOperationType, subscribe } from './compat/index.js';
import type { LinkForward, LinkObservable, LinkOperation, ResultLike, SinkLike, SubscriptionLike } from './compat/index.js';
import { EtagConflictLink } from './etag/EtagConflictLink.js';
import type { EventListener } from './events.js';
import { notify } from './guard.js';
import { Lifecycle } from './lifecycle.js';
import { attemptTimeout, RetryBackoffLink } from './retry/RetryBackoffLink.js';

export interface ResilienceLinkOptions {
  /** Options of the `ErrorClassifyLink`, which is always present. @defaultValue `{}` */
  classify?: ErrorClassifyLink.Options;
  /** Options of the `RetryBackoffLink`; `false` leaves it out. @defaultValue `{}` (present, with its defaults) */
  retry?: RetryBackoffLink.Options | false;
  /** Options of the `AuthRefreshLink`; present when given. @defaultValue none */
  auth?: AuthRefreshLink.Options;
  /** Options of the `EtagConflictLink`; present when given. @defaultValue none */
  etag?: EtagConflictLink.Options;
  /** Every link's events, in one stream. @defaultValue none */
  onEvent?: EventListener;
}

/**
 * The combined link. `dispose()` ends every operation running through it (requests, timers and
 * waits are cancelled; each fails with category `unknown`, reason `link-disposed`), closes the
 * cross-tab channel, and makes every later operation fail the same way.
 *
 * One instance is one client's policy: its retry budget, circuit breaker and token state are
 * shared by every operation that runs through it. Two clients given one link share them (one
 * user's 401 refreshes the other's token); create one link per client (per request on a server).
 */
export type ResilienceLink = ApolloLink & { dispose(): void };

function withEvents<T extends { onEvent?: EventListener }>(options: T, onEvent: EventListener | undefined): T {
  if (!onEvent) return options;
  const own = options.onEvent;
  // Each listener guarded on its own: one that throws does not keep the event from the other.
  return { ...options, onEvent: own ? (event) => { notify('onEvent', own, event); notify('onEvent', onEvent, event); } : onEvent };
}

type Event = { kind: 'next'; value: ResultLike } | { kind: 'error'; value: unknown } | { kind: 'complete' };

/**
 * The rest of a first attempt that went wrong, handed to the links: what already arrived is
 * replayed, what is still to come is passed on live, and unsubscribing stops the attempt.
 */
class Relay {
  private readonly buffered: Event[] = [];
  private target: SinkLike | undefined;
  private ended = false;
  constructor(private readonly stop: () => void) {}

  push(event: Event): void {
    if (this.ended) return;
    if (event.kind !== 'next') this.ended = true;
    if (this.target) Relay.deliver(this.target, event);
    else this.buffered.push(event);
  }

  readonly observable: LinkObservable = createObservable((sink) => {
    this.target = sink;
    for (const event of this.buffered.splice(0)) Relay.deliver(sink, event);
    return () => {
      this.target = undefined;
      if (!this.ended) this.stop();
    };
  });

  private static deliver(sink: SinkLike, event: Event): void {
    if (event.kind === 'next') sink.next(event.value);
    else if (event.kind === 'error') sink.error(event.value);
    else sink.complete();
  }
}

/**
 * The links in the recommended order, as one `ApolloLink`; concatenate your `HttpLink`.
 *
 * Order, outermost first, and why:
 * 1. `EtagConflictLink`: its re-read and its re-sent mutation must go through auth, retry and HTTP.
 * 2. `RetryBackoffLink`: each retry re-enters the auth link, so a token that expired during a
 *    long backoff is refreshed; an open circuit fails fast before any token work.
 * 3. `AuthRefreshLink`: attaches the token; a 401 is not retryable, so it reaches auth first.
 * 4. `ErrorClassifyLink`: next to the `HttpLink`, so every error is classified once (with your
 *    rules) and every link above reads that annotation.
 *
 * The happy path costs one Observable, not four: when no link has anything to do before the
 * request (a token at hand, a closed circuit, no per-operation override, no etag mutation), the
 * token is attached here and the response passes straight through; the first result with
 * errors, transport error or timeout hands the operation to the four links, which see that first
 * attempt's outcome exactly as if they had sent it. Measured in `npm run bench` (overhead).
 */
export function createResilienceLink(options: ResilienceLinkOptions = {}): ResilienceLink {
  const etag = options.etag ? new EtagConflictLink(withEvents(options.etag, options.onEvent)) : undefined;
  const retry = options.retry !== false ? new RetryBackoffLink(withEvents(options.retry ?? {}, options.onEvent)) : undefined;
  const auth = options.auth ? new AuthRefreshLink(withEvents(options.auth, options.onEvent)) : undefined;
  const classify = new ErrorClassifyLink(options.classify);
  const links: ApolloLink[] = [etag, retry, auth, classify].filter((l) => l !== undefined);
  const count = links.length;
  const through = (index: number, forward: LinkForward): LinkForward =>
    index === count ? forward : (operation) => links[index]!.request(operation, through(index + 1, forward))!;

  const viaLinks = (operation: LinkOperation, forward: LinkForward, sink: SinkLike): SubscriptionLike => {
    try {
      return subscribe(through(0, forward)(operation), sink);
    } finally {
      auth?.forgetPrefetched();
      retry?.continueFastPath(undefined);
    }
  };
  /** Hands a started first attempt to the links: they neither admit, count nor authenticate it again. */
  const continueViaLinks = (operation: LinkOperation, sentToken: string | undefined, forward: LinkForward, sink: SinkLike): SubscriptionLike => {
    retry?.continueFastPath(operation);
    auth?.continueFastPath(operation, sentToken);
    return viaLinks(operation, forward, sink);
  };
  const chain: FusedChain = { retry, classify, continueViaLinks };
  const life = new Lifecycle('createResilienceLink');
  // Both parameters declared: AC3 treats a link whose request takes one as terminating.
  const link = new ApolloLink((operation, forward) =>
    life.disposed ? life.rejected() : createObservable((sink) => {
      const context = getContext(operation);
      const kind = getOperationType(operation);
      const timeoutMs = retry ? retry.fastPathTimeoutMs(context, kind) : kind === 'subscription' ? undefined : Infinity;
      const token = timeoutMs === undefined || etag?.handles(operation) ? false : auth ? auth.fastPathAttach(operation, context) : undefined;
      if (token === false || timeoutMs === undefined) {
        // Something must happen before the request: the links do it all.
        const subscription = viaLinks(operation, forward, sink);
        // The error first: the links may have subscribed with this very sink (rxjs), which unsubscribing would close.
        const untrack = life.track((error) => {
          sink.error(error);
          subscription.unsubscribe();
        });
        return () => {
          untrack();
          subscription.unsubscribe();
        };
      }
      retry?.fastPathStarted();
      const attempt = new FastAttempt(chain, operation, forward, sink, token);
      attempt.untrack = life.track((error) => {
        sink.error(error);
        attempt.unsubscribe();
      });
      attempt.start(timeoutMs);
      // Its unsubscribe is the teardown (rxjs and zen-observable both take a subscription-like).
      return attempt as unknown as () => void;
    }),
  );
  return Object.assign(link, {
    dispose(): void {
      life.dispose();
      for (const inner of [etag, retry, auth, classify] as Array<{ dispose?: () => void } | undefined>) inner?.dispose?.();
    },
  });
}

interface FusedChain {
  readonly retry: RetryBackoffLink | undefined;
  readonly classify: ErrorClassifyLink;
  continueViaLinks(operation: LinkOperation, sentToken: string | undefined, forward: LinkForward, sink: SinkLike): SubscriptionLike;
}

type Finalizer = (() => void) | SubscriptionLike;

/**
 * A first attempt sent without the links' plumbing. Clean results pass straight on; the first
 * result with errors, transport error or timeout hands the operation over to the links, which
 * receive this attempt's outcome (and whatever of it is still to come) as their first attempt.
 *
 * One object per operation, and it is its own subscriber: it has what rxjs recognises as a
 * Subscriber (`next`/`error`/`complete`, `closed`, `add`/`remove`/`unsubscribe`), so on AC4 the
 * upstream Observable uses it directly instead of wrapping it; zen-observable (AC3) wraps it as
 * it wraps any observer, and its subscription is kept in `upstream`.
 */
class FastAttempt {
  /** Whether the upstream attempt has ended or been stopped. */
  closed = false;
  private finalizers: Finalizer[] | undefined;
  private upstream: SubscriptionLike | undefined;
  private relay: Relay | undefined;
  private handedOver: SubscriptionLike | undefined;
  private settled = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Set by `createResilienceLink`: forgets this attempt in the link's lifecycle once it ends. */
  untrack: (() => void) | undefined;

  constructor(
    private readonly chain: FusedChain,
    private readonly operation: LinkOperation,
    private readonly forward: LinkForward,
    private readonly sink: SinkLike,
    private readonly sentToken: string | undefined,
  ) {}

  start(timeoutMs: number): void {
    let subscription: SubscriptionLike;
    try {
      subscription = subscribe(this.forward(this.operation), this);
    } catch (error) {
      // The next link threw instead of returning an Observable: the links classify it, as a failed attempt.
      if (!this.closed) this.error(error);
      return;
    }
    if (subscription !== (this as unknown)) {
      if (this.closed) subscription.unsubscribe();
      else this.upstream = subscription;
    }
    if (!this.closed && !this.relay && !this.settled && Number.isFinite(timeoutMs)) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.stopUpstream(); // HttpLink aborts the fetch
        this.handOver({ kind: 'error', value: new ResilienceError(attemptTimeout(1, timeoutMs)) });
      }, timeoutMs);
    }
  }

  next(result: ResultLike): void {
    if (this.closed) return;
    if (this.relay) return this.relay.push({ kind: 'next', value: result });
    if (!result || !result.errors) {
      this.succeeded();
      return this.sink.next(result);
    }
    // After data went out, later results only need their errors classified (as the links would pass them on).
    if (this.settled) return this.sink.next(this.chain.classify.annotateResult(result, this.operation));
    this.handOver({ kind: 'next', value: result });
  }

  error(error: unknown): void {
    if (this.closed) return;
    if (this.relay) this.relay.push({ kind: 'error', value: error });
    else if (this.settled) this.sink.error(this.chain.classify.annotateError(error));
    else this.handOver({ kind: 'error', value: error });
    this.stopUpstream();
  }

  complete(): void {
    if (this.closed) return;
    if (this.relay) this.relay.push({ kind: 'complete' });
    else {
      this.succeeded();
      this.sink.complete();
    }
    this.stopUpstream();
  }

  /** rxjs hands the upstream producer's teardown here. */
  add(finalizer: Finalizer | undefined): void {
    if (!finalizer || finalizer === (this as unknown)) return;
    if (this.closed) FastAttempt.run(finalizer);
    else (this.finalizers ??= []).push(finalizer);
  }

  remove(finalizer: Finalizer): void {
    const index = this.finalizers?.indexOf(finalizer) ?? -1;
    if (index >= 0) this.finalizers!.splice(index, 1);
  }

  /** The operation was unsubscribed (or ended): stop the attempt and whatever the links run. */
  unsubscribe(): void {
    this.untrack?.();
    this.stopUpstream();
    this.handedOver?.unsubscribe();
  }

  /** Stops the upstream attempt only. */
  private stopUpstream(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    const finalizers = this.finalizers;
    this.finalizers = undefined;
    if (finalizers) for (const finalizer of finalizers) FastAttempt.run(finalizer);
    this.upstream?.unsubscribe();
    this.upstream = undefined;
  }

  private static run(finalizer: Finalizer): void {
    if (typeof finalizer === 'function') finalizer();
    else finalizer.unsubscribe();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private succeeded(): void {
    this.clearTimer();
    if (this.settled) return;
    this.settled = true;
    this.chain.retry?.fastPathSucceeded();
  }

  private handOver(event: Event): void {
    this.clearTimer();
    const relay = new Relay(() => this.stopUpstream());
    this.relay = relay;
    relay.push(event);
    let first = true;
    const replaying: LinkForward = (op) => {
      if (first && op === this.operation) {
        first = false;
        return relay.observable;
      }
      return this.forward(op);
    };
    this.handedOver = this.chain.continueViaLinks(this.operation, this.sentToken, replaying, this.sink);
  }
}
