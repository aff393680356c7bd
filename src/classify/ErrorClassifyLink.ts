import { getResponse } from '../compat/index.js';
import type { LinkOperation, ResultLike, SubscriptionLike } from '../compat/index.js';
import { PolicyExecutor } from '../core/executor.js';
import type { Downstream, Policy, Sink } from '../core/policy.js';
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

class Annotating implements Sink {
  constructor(
    private readonly sink: Sink,
    private readonly operation: LinkOperation,
    private readonly options: ClassifyOptions,
  ) {}

  // Annotating never changes what passes: the same result or error goes on, annotated where it could be read.
  next(result: ResultLike): void {
    try {
      if (result?.errors) {
        const response = getResponse(this.operation);
        annotateResult(result, { ...this.options, status: response?.errorStatus, headers: response?.headers });
      }
    } catch {
      // a result with a getter that throws: passed on unannotated (its data is never lost)
    }
    this.sink.next(result);
  }

  error(error: unknown): void {
    try {
      annotateError(error, this.options);
    } catch {
      // as above
    }
    this.sink.error(error);
  }

  complete(): void {
    this.sink.complete();
  }
}

/** The classify policy: every error passing through gets its classification recorded, out of sight. */
export class ClassifyPolicy implements Policy {
  constructor(private readonly options: ClassifyOptions) {}

  run(
    operation: LinkOperation,
    _context: Readonly<Record<string, unknown>>,
    next: Downstream,
    sink: Sink,
  ): SubscriptionLike {
    return next.send(operation, new Annotating(sink, operation, this.options));
  }
}

/**
 * Classifies every error passing through and records the classification out of sight: the result,
 * its `data` and its error objects reach the app exactly as the link below sent them (no field
 * added, nothing rewritten), and `getClassifications(error)` reads the classifications. Never drops
 * `data` and never turns a result into an error. Put it last, next to the `HttpLink`, so that every
 * other link reads its classification instead of classifying again.
 */
export class ErrorClassifyLink extends PolicyExecutor {
  constructor(options: ErrorClassifyLink.Options = {}) {
    const { rules = [], profiles = [], remediations } = options;
    super([new ClassifyPolicy({ rules, profiles, ...(remediations ? { remediations } : {}) })], 'ErrorClassifyLink');
  }
}
