import { ApolloLink, createObservable, getResponse, subscribe } from '../compat/index.js';
import type { LinkForward, LinkObservable, LinkOperation } from '../compat/index.js';
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

  override request(operation: LinkOperation, forward: LinkForward): LinkObservable {
    return createObservable((sink) => {
      const subscription = subscribe(forward(operation), {
        next: (result) => {
          if (!result || !result.errors) return sink.next(result);
          const response = getResponse(operation);
          sink.next(annotateResult(result, { rules: this.rules, status: response?.errorStatus, headers: response?.headers }).result);
        },
        error: (error) => sink.error(annotateError(error, { rules: this.rules }).error),
        complete: () => sink.complete(),
      });
      return () => subscription.unsubscribe();
    });
  }
}
