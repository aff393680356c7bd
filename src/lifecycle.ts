// `dispose()` for every link: the operations a link is running end with a clear error, their timers
// and requests are cancelled, and every later operation fails the same way.
import { ResilienceError } from './classify/annotations.js';
import { createObservable, type LinkObservable } from './compat/index.js';

export function disposedError(link: string): ResilienceError {
  return new ResilienceError({
    category: 'unknown',
    reason: 'link-disposed',
    message: `${link} was disposed; operations can no longer run through it.`,
    retryable: false,
    refreshable: false,
    remediation: "Create a new link (and client) after dispose(); one link instance is one client's policy.",
  });
}

/** A running operation as `Lifecycle` keeps it: linked in place, so adding and removing one allocates nothing. */
export abstract class Tracked {
  /** @hidden */ prev: Tracked | undefined;
  /** @hidden */ next: Tracked | undefined;
  /** @hidden */ tracked = false;
  /** Stops the operation's work and fails it with `error`. */
  abstract end(error: ResilienceError): void;
}

/** The operations one link is running, so that `dispose()` can end them. */
export class Lifecycle {
  private head: Tracked | undefined;
  private error: ResilienceError | undefined;

  constructor(private readonly link: string) {}

  get disposed(): boolean {
    return this.error !== undefined;
  }

  /** An Observable that fails at once with the disposed error (for operations that arrive afterwards). */
  rejected(): LinkObservable {
    const error = this.error ?? disposedError(this.link);
    return createObservable((sink) => sink.error(error));
  }

  add(entry: Tracked): void {
    entry.tracked = true;
    entry.prev = undefined;
    entry.next = this.head;
    if (this.head) this.head.prev = entry;
    this.head = entry;
  }

  delete(entry: Tracked): void {
    if (!entry.tracked) return;
    entry.tracked = false;
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    entry.prev = entry.next = undefined;
  }

  /** Ends every running operation; later ones fail with the same error. Idempotent. */
  dispose(): void {
    if (this.error) return;
    const error = (this.error = disposedError(this.link));
    const running: Tracked[] = [];
    for (let entry = this.head; entry; entry = entry.next) running.push(entry);
    for (const entry of running) this.delete(entry);
    for (const entry of running) entry.end(error);
  }
}
