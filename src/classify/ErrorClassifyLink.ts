import { ApolloLink, createObservable, getResponse, subscribe } from '../compat/index.js';
import type { LinkForward, LinkObservable, LinkOperation, ResultLike } from '../compat/index.js';
import { annotateError, annotateResult } from './annotate.js';
import type { ClassificationProfile, ClassificationRule, ClassifyOptions, Remediations } from './types.js';

export declare namespace ErrorClassifyLink {
  interface Options {
    /**
     * Your rules, tried before the profiles and the core, in order (see `ClassificationRule`).
     * @defaultValue `[]`
     */
    rules?: ReadonlyArray<ClassificationRule>;
    /**
     * API profiles from `apollo-link-resilience/profiles` (`ion`, `restEnvelope`, …), tried after
     * `rules` and before the core, in order.
     * @defaultValue `[]`
     */
    profiles?: ReadonlyArray<ClassificationProfile>;
    /**
     * Remediation texts that replace or localize the built-in ones, keyed by `category` or
     * `category/reason`; a string or a function of the classification.
     * @defaultValue `{}`
     */
    remediations?: Remediations;
  }
}

/**
 * Classifies every error passing through and records the classification out of sight: the result,
 * its `data` and its error objects reach the app exactly as the link below sent them (no field
 * added, nothing rewritten), and `getClassifications(error)` reads the classifications. Never drops
 * `data` and never turns a result into an error. Put it last, next to the `HttpLink`, so that every
 * other link reads its classification instead of classifying again.
 */
export class ErrorClassifyLink extends ApolloLink {
  private readonly options: ClassifyOptions;

  constructor(options: ErrorClassifyLink.Options = {}) {
    super();
    const { rules = [], profiles = [], remediations } = options;
    this.options = { rules, profiles, ...(remediations ? { remediations } : {}) };
  }

  /** @internal The result with every GraphQL error annotated (as this link passes it on). */
  annotateResult(result: ResultLike, operation: LinkOperation): ResultLike {
    if (!result || !result.errors) return result;
    const response = getResponse(operation);
    return annotateResult(result, { ...this.options, status: response?.errorStatus, headers: response?.headers }).result;
  }

  /** @internal The transport error with its classification attached (as this link passes it on). */
  annotateError(error: unknown): unknown {
    return annotateError(error, this.options).error;
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
