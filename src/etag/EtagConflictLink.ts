import { PolicyExecutor } from '../core/executor.js';
import type { LinkOperation } from '../compat/index.js';
import type { EventListener } from '../core/events.js';
import { EtagPolicy } from './etagPolicy.js';
import type { FieldConflict } from './threeWayMerge.js';
import type { DocumentNode } from 'graphql';

type Variables = Record<string, unknown>;
type Entity = Record<string, unknown>;

export declare namespace EtagConflictLink {
  /** What `reapply` and `onConflict` may answer: send these variables, or stop. */
  type Decision = Variables | 'abort';

  interface ReapplyContext {
    /** The entity as the server has it now (re-read). */
    latest: Entity;
    /** The variables last sent. */
    variables: Variables;
    /** The entity as the cache held it when the mutation started (then: as last re-read); undefined when not cached. */
    base: Entity | undefined;
    /** The re-read/re-apply cycle, from 1. */
    attempt: number;
    operation: LinkOperation;
  }

  interface Conflict {
    operation: LinkOperation;
    base: Entity | undefined;
    latest: Entity;
    /** The user's intended change (the `input` object, or the variables other than id/etag). */
    mine: Variables;
    /** Fields both writers changed to different values (with no cached base: every field where mine differs from theirs, `base` undefined). */
    fields: FieldConflict[];
    attempt: number;
    /** `'no-base'` when the entity was not cached, so a merge was impossible. */
    reason: 'fields' | 'no-base';
  }

  interface MutationConfig {
    /** The query that re-reads the entity, from the mutation's operation. @defaultValue required */
    reread: (operation: LinkOperation) => { query: DocumentNode; variables?: Variables };
    /** Re-applies the user's change on the latest state. @defaultValue a three-way merge of base, latest and the user's change */
    reapply?: (context: ReapplyContext) => Decision | Promise<Decision>;
    /**
     * Where the etag lives in the variables (dot path); the mutation's response carries the new one
     * under the same key (`_etag` or `etag`) on its root field, for the next save of the record.
     * @defaultValue the first `_etag` or `etag` found
     */
    etagPath?: string;
  }

  interface Options {
    /** The mutations to resolve, by operation name; all others pass through untouched. @defaultValue required */
    mutations: Record<string, MutationConfig>;
    /** Re-read/re-apply cycles before the conflict is surfaced. @defaultValue 3 */
    maxAttempts?: number;
    /** Decides real conflicts: `'retry'` with the user's values, `'abort'`, or new variables. @defaultValue abort with a `conflict` classification holding base, mine and theirs per field */
    onConflict?: (conflict: Conflict) => 'retry' | Decision | Promise<'retry' | Decision>;
    /**
     * How long a `reapply` or `onConflict` may take to decide (a dialog waits for a person); after
     * that the mutation fails with a `conflict` classification, reason `decision-timeout`. A value that
     * is not a number ≥ 0 (NaN, negative) is the default; one over 2^31 − 1 ms (~24.8 days, the
     * longest timer), Infinity too, is capped to it: a decision is never waited for without a bound.
     * @defaultValue 300000
     */
    decisionTimeoutMs?: number;
    /** Every event of this link (`conflict`, `reread`, `reapply`, `give-up`), in one stream. @defaultValue none */
    onEvent?: EventListener;
  }
}

/**
 * On a 409 / etag mismatch for a configured mutation: re-reads the entity down the rest of the
 * chain (auth, retry, HTTP), writes it to the cache, re-applies the user's change on it (three-way
 * merge by default) and retries with the new etag; real conflicts go to `onConflict`.
 *
 * Writes to one record are serialized, so two quick saves of it never conflict with each other.
 * The record is what the mutation's `reread` reads (its root field and variables): saves of one
 * mutation and id, or of two mutations that re-read the same entity, run one at a time in the order
 * they were made; other records run in parallel. A save that waited sends the `_etag` the previous
 * save's response carried (select it in the mutation), as if the app had waited for that response,
 * and merges on the record as that save left it if someone else's write still makes it a 409. It
 * takes that etag only when it was made on a version the previous saves replaced: a save made before
 * someone else's change meets it as a 409 and is merged, never sent past it. Not from the cache or a
 * new re-read: the cache may not hold the response yet (or holds an optimistic layer), and a re-read
 * may return someone else's newer version, which the save would then overwrite unseen. A save that
 * failed, or a response without the etag, leaves the next save its own etag (a 409 is then merged as
 * usual); unsubscribing a waiting save removes it, unsubscribing the running one lets the next go.
 *
 * `dispose()` ends every operation running through the link (a pending re-read, re-send or
 * decision is cancelled; it fails with category `unknown`, reason `link-disposed`), and every
 * later one fails the same way.
 */
export class EtagConflictLink extends PolicyExecutor {
  constructor(options: EtagConflictLink.Options) {
    super([new EtagPolicy(options)], 'EtagConflictLink');
  }
}
