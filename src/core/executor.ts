// The executor: one Observable per operation, in which a list of policies runs (outermost first).
// Each link of the package is an executor with one policy; `createResilienceLink` is one with four.
import { ApolloLink, createObservable, getContext, headersRewritten, subscribe } from '../compat/index.js';
import type {
  LinkForward,
  LinkObservable,
  LinkOperation,
  ResultLike,
  SinkLike,
  SubscriptionLike,
} from '../compat/index.js';
import type { ResilienceError } from '../classify/annotations.js';
import { Lifecycle, Tracked } from '../lifecycle.js';
import type { Downstream, Policy, Sink } from './policy.js';

type Finalizer = (() => void) | SubscriptionLike;

/**
 * The bottom of the chain: subscribes to what the next link returned. It has what rxjs
 * recognises as a Subscriber (`closed`, `add`, `remove`, `unsubscribe` beside the observer
 * methods), so on AC4 the next link's Observable uses it directly instead of wrapping it.
 */
class Forwarded implements Sink, SubscriptionLike {
  closed = false;
  private finalizers: Finalizer[] | undefined;
  private upstream: SubscriptionLike | undefined;

  constructor(private readonly target: Sink) {}

  start(observable: LinkObservable): this {
    const subscription = subscribe(observable, this);
    if (subscription !== (this as unknown)) {
      if (this.closed) subscription.unsubscribe();
      else this.upstream = subscription;
    }
    return this;
  }

  next(result: ResultLike): void {
    if (!this.closed) this.target.next(result);
  }

  error(error: unknown): void {
    if (this.closed) return;
    this.stop();
    this.target.error(error);
  }

  complete(): void {
    if (this.closed) return;
    this.stop();
    this.target.complete();
  }

  add(finalizer: Finalizer | undefined): void {
    if (!finalizer || finalizer === (this as unknown)) return;
    if (this.closed) run(finalizer);
    else (this.finalizers ??= []).push(finalizer);
  }

  remove(finalizer: Finalizer): void {
    const index = this.finalizers?.indexOf(finalizer) ?? -1;
    if (index >= 0) this.finalizers!.splice(index, 1);
  }

  unsubscribe(): void {
    this.stop();
  }

  private stop(): void {
    if (this.closed) return;
    this.closed = true;
    const finalizers = this.finalizers;
    this.finalizers = undefined;
    if (finalizers) for (const finalizer of finalizers) run(finalizer);
    this.upstream?.unsubscribe();
    this.upstream = undefined;
  }
}

function run(finalizer: Finalizer): void {
  if (typeof finalizer === 'function') finalizer();
  else finalizer.unsubscribe();
}

/** The chain below policy `index` for one operation. */
class Below implements Downstream {
  private lower: Below | undefined;
  private asForward: LinkForward | undefined;

  constructor(
    private readonly policies: ReadonlyArray<Policy>,
    private readonly index: number,
    private readonly linkForward: LinkForward,
    private readonly operation: LinkOperation,
    private readonly context: Readonly<Record<string, unknown>>,
  ) {}

  send(operation: LinkOperation, sink: Sink): SubscriptionLike {
    if (this.index === this.policies.length) {
      let observable: LinkObservable;
      try {
        observable = this.linkForward(operation);
      } catch (error) {
        sink.error(error);
        return { unsubscribe: () => undefined };
      }
      return new Forwarded(sink).start(observable);
    }
    // The context read when the operation started, unless a policy above changed its headers since
    // (a policy that wrote headers from that stale copy would drop the other's: the Idempotency-Key).
    const context = operation === this.operation && !headersRewritten(operation) ? this.context : getContext(operation);
    return this.policies[this.index]!.run(operation, context, this.next(), sink);
  }

  get forward(): LinkForward {
    return (this.asForward ??= (operation) =>
      createObservable((sink) => {
        const subscription = this.send(operation, sink);
        return () => subscription.unsubscribe();
      }));
  }

  private next(): Below {
    return (this.lower ??= new Below(this.policies, this.index + 1, this.linkForward, this.operation, this.context));
  }
}

/**
 * One running operation of an executor: what `dispose()` ends, and the Observable's teardown
 * (rxjs and zen-observable both take a subscription-like object there).
 */
class Running extends Tracked implements SubscriptionLike {
  subscription: SubscriptionLike | undefined;
  constructor(
    private readonly sink: SinkLike,
    private readonly life: Lifecycle,
  ) {
    super();
  }

  end(error: ResilienceError): void {
    // The error first: a policy may have subscribed with this very sink (rxjs), which unsubscribing would close.
    this.sink.error(error);
    this.subscription?.unsubscribe();
  }

  unsubscribe(): void {
    this.life.delete(this);
    this.subscription?.unsubscribe();
  }
}

/**
 * Runs `policies` (outermost first) for every operation, on one Observable. Both parameters of
 * `request` are declared: AC3 treats a link whose `request` takes one as terminating.
 */
export class PolicyExecutor extends ApolloLink {
  private readonly life: Lifecycle;

  constructor(
    private readonly policies: ReadonlyArray<Policy>,
    name: string,
  ) {
    super();
    this.life = new Lifecycle(name);
  }

  /**
   * Ends every operation running through the link (their requests, timers and waits are
   * cancelled; each fails with category `unknown`, reason `link-disposed`), and makes every later
   * operation fail the same way. Idempotent.
   */
  dispose(): void {
    this.life.dispose();
    for (const policy of this.policies) policy.dispose?.();
  }

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    const life = this.life;
    if (life.disposed) return life.rejected();
    const context = getContext(operation);
    const policies = this.policies;
    return createObservable((sink) => {
      const running = new Running(sink, life);
      life.add(running);
      running.subscription = policies[0]!.run(
        operation,
        context,
        new Below(policies, 1, forward, operation, context),
        sink,
      );
      return running as unknown as () => void;
    });
  }
}
