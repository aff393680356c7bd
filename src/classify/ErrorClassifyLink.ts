import { ApolloLink, createObservable, getResponse, subscribe } from '../compat/index.js';
import type { LinkForward, LinkObservable, LinkOperation, ResultLike } from '../compat/index.js';
import { annotateError, annotateResult } from './annotate.js';
import type { ClassificationRule } from './types.js';

export declare namespace ErrorClassifyLink {
  interface Options {
    /**
     * Rules tried before the built-in table, in order; the first match decides.
     * @defaultValue `[]`
     */
    rules?: ReadonlyArray<ClassificationRule>;
  }
}

/**
 * Annotates every error passing through with its `Classification`: GraphQL errors under
 * `extensions.classification`, transport errors as a `classification` property. Never drops
 * `data` and never turns a result into an error. Put it last, next to the `HttpLink`, so that
 * every other link reads its annotation instead of classifying again.
 */
export class ErrorClassifyLink extends ApolloLink {
  private readonly rules: ReadonlyArray<ClassificationRule>;

  constructor(options: ErrorClassifyLink.Options = {}) {
    super();
    this.rules = options.rules ?? [];
  }

  /** @internal The result with every GraphQL error annotated (as this link passes it on). */
  annotateResult(result: ResultLike, operation: LinkOperation): ResultLike {
    if (!result || !result.errors) return result;
    const response = getResponse(operation);
    return annotateResult(result, { rules: this.rules, status: response?.errorStatus, headers: response?.headers }).result;
  }

  /** @internal The transport error with its classification attached (as this link passes it on). */
  annotateError(error: unknown): unknown {
    return annotateError(error, { rules: this.rules }).error;
  }

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    return createObservable((sink) => {
      const subscription = subscribe(forward(operation), {
        next: (result) => sink.next(this.annotateResult(result, operation)),
        error: (error) => sink.error(this.annotateError(error)),
        complete: () => sink.complete(),
      });
      return () => subscription.unsubscribe();
    });
  }
}
