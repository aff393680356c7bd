// The auth policy: attaches the token the TokenManager gives, and replays an operation once after
// a refreshable auth failure. Per operation, one `AuthRun` whose `phase` says where it is.
import { attachClassifications, readAnnotations, ResilienceError, unexpectedError } from '../classify/annotations.js';
import { redact } from '../classify/redact.js';
import type { Classification } from '../classify/types.js';
import { getResponse, setHeaders } from '../compat/index.js';
import type { LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import type { Downstream, Policy, Sink } from '../core/policy.js';
import { decideSafely } from '../guard.js';
import type { AuthRefreshLink } from './AuthRefreshLink.js';
import { authFailureInError, authFailureInResult } from './authFailure.js';
import type { TokenManager, TokenState } from './TokenManager.js';

type ApplyToken = (token: string, operation: LinkOperation, context: Readonly<Record<string, unknown>>) => void;

const defaultIsAuthError = (c: Classification): boolean => c.category === 'unauthenticated' && c.refreshable;

function headerApplier(options: AuthRefreshLink.HeaderOptions = {}): ApplyToken {
  const { header = 'Authorization', scheme = 'Bearer' } = options;
  // The header object for the last token is kept: with no other headers set, attaching it is one setContext.
  let last:
    | { token: string; headers: Readonly<Record<string, string>>; patch: { headers: Readonly<Record<string, string>> } }
    | undefined;
  return (token, operation, context) => {
    if (last?.token !== token) {
      const headers = Object.freeze({ [header]: scheme ? `${scheme} ${token}` : token });
      last = { token, headers, patch: Object.freeze({ headers }) };
    }
    if (context.headers === undefined || context.headers === null)
      (operation.setContext as unknown as (patch: Record<string, unknown>) => void)(last.patch);
    else setHeaders(operation, last.headers, context);
  };
}

export class AuthPolicy implements Policy {
  readonly applyToken: ApplyToken;
  readonly isAuthError: (c: Classification) => boolean;

  constructor(
    readonly tokens: TokenState,
    options: Pick<AuthRefreshLink.Options, 'applyToken' | 'isAuthError'>,
  ) {
    const apply = options.applyToken;
    this.applyToken = typeof apply === 'function' ? apply : headerApplier(apply);
    const isAuthError = options.isAuthError;
    this.isAuthError = isAuthError ? (c) => decideSafely('isAuthError', isAuthError, false, c) : defaultIsAuthError;
  }

  run(
    operation: LinkOperation,
    context: Readonly<Record<string, unknown>>,
    next: Downstream,
    sink: Sink,
  ): SubscriptionLike {
    if (context.auth === false) return next.send(operation, sink);
    return new AuthRun(this, operation, context, next, sink).start();
  }

  dispose(): void {
    this.tokens.dispose();
  }
}

/** Waiting for a token, sent (the first time or replayed), or done. */
type Phase = 'waiting' | 'sent' | 'replaying' | 'replayed' | 'done';

class AuthRun implements Sink, SubscriptionLike {
  private phase: Phase = 'waiting';
  private inner: SubscriptionLike | undefined;
  private usedToken: string | undefined;
  private cancelRead: (() => void) | undefined;
  private readonly operationName: string | undefined;

  constructor(
    private readonly policy: AuthPolicy,
    private readonly operation: LinkOperation,
    private readonly context: Readonly<Record<string, unknown>>,
    private readonly below: Downstream,
    private readonly sink: Sink,
  ) {
    this.operationName = operation.operationName ?? undefined;
  }

  start(): SubscriptionLike {
    const tokens = this.policy.tokens;
    // The common case stays synchronous: a token at hand, no refresh running, not expiring.
    let raw: ReturnType<TokenManager.Options['getToken']> | undefined;
    try {
      raw = tokens.refreshing ? undefined : tokens.readRaw();
    } catch (error) {
      this.fail(tokens.tokenUnavailable(error));
      return this;
    }
    const ready = tokens.readyNow(raw);
    if (ready !== undefined) this.send(ready);
    else
      void this.wait(
        typeof (raw as PromiseLike<unknown> | null)?.then === 'function'
          ? (raw as PromiseLike<TokenManager.TokenValue>)
          : undefined,
      );
    return this;
  }

  private async wait(pending: PromiseLike<TokenManager.TokenValue> | undefined): Promise<void> {
    try {
      const token = await this.policy.tokens.obtain(
        this.operationName,
        pending,
        (cancel) => (this.cancelRead = cancel),
      );
      if (this.phase === 'waiting') this.send(token);
    } catch (error) {
      this.fail(error instanceof ResilienceError ? error : this.policy.tokens.tokenUnavailable(error));
    }
  }

  private send(token: string | undefined): void {
    if (this.phase === 'done') return;
    this.phase = this.phase === 'replaying' ? 'replayed' : 'sent';
    this.usedToken = token;
    this.policy.tokens.markSent(token);
    if (token !== undefined) {
      try {
        // The context as of this run: it holds the caller's headers and any a policy above set (a replay only changes the token).
        this.policy.applyToken(token, this.operation, this.context);
      } catch (error) {
        return this.fail(
          unexpectedError(error, 'AuthRefreshLink applyToken', (t) => redact(t, this.policy.tokens.secrets(token))),
        );
      }
    }
    const phase: Phase = this.phase;
    const subscription = this.below.send(this.operation, this);
    // Ended, or handed to a replay, while it was being sent: nothing of it is kept running.
    if ((this.phase as Phase) === phase) this.inner = subscription;
    else subscription.unsubscribe();
  }

  next(result: ResultLike): void {
    if (this.phase !== 'sent' && this.phase !== 'replayed') return;
    const auth = this.authClassification(result);
    if (auth && this.policy.isAuthError(auth) && this.phase === 'sent') {
      this.stopInner();
      return void this.onAuthError(auth, undefined);
    }
    // Not fixable by a new token (or already replayed): the result, with its data, goes on.
    if (auth) this.policy.tokens.authFailure(auth, this.operationName);
    this.sink.next(result);
  }

  error(error: unknown): void {
    if (this.phase !== 'sent' && this.phase !== 'replayed') return;
    this.inner = undefined;
    const classification = authFailureInError(
      error,
      this.policy.tokens.secrets(this.usedToken),
      this.policy.isAuthError,
    );
    if (classification) return void this.onAuthError(classification, error);
    this.phase = 'done';
    this.sink.error(error);
  }

  complete(): void {
    if (this.phase !== 'sent' && this.phase !== 'replayed') return;
    this.inner = undefined;
    this.phase = 'done';
    this.sink.complete();
  }

  unsubscribe(): void {
    this.phase = 'done';
    this.cancelRead?.();
    this.stopInner();
  }

  private fail(error: unknown): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.sink.error(error);
  }

  private stopInner(): void {
    const running = this.inner;
    this.inner = undefined;
    running?.unsubscribe();
  }

  private async onAuthError(classification: Classification, error: unknown): Promise<void> {
    const tokens = this.policy.tokens;
    // Not fixable by a new token, or a fresh token was rejected too: never a second refresh.
    if (!this.policy.isAuthError(classification) || this.phase === 'replayed') {
      tokens.authFailure(classification, this.operationName);
      return this.fail(
        error !== undefined
          ? attachClassifications(error, readAnnotations(error) ?? [classification])
          : new ResilienceError(classification),
      );
    }
    this.phase = 'replaying';
    try {
      const fresh = await tokens.replacement(
        this.usedToken,
        this.operationName,
        (cancel) => (this.cancelRead = cancel),
      );
      if (this.phase === 'replaying') this.send(fresh);
    } catch (error) {
      // A failed refresh is classified already; `getToken` throwing as the token is re-read is not.
      this.fail(error instanceof ResilienceError ? error : tokens.tokenUnavailable(error));
    }
  }

  private authClassification(result: ResultLike): Classification | undefined {
    if (!Array.isArray(result.errors) || result.errors.length === 0) return undefined;
    const response = getResponse(this.operation);
    return authFailureInResult(result, response?.errorStatus, this.policy.tokens.secrets(), this.policy.isAuthError);
  }
}
