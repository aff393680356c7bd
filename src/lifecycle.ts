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
    remediation: 'Create a new link (and client) after dispose(); one link instance is one client\'s policy.',
  });
}

/** The operations one link is running, so that `dispose()` can end them. */
export class Lifecycle {
  private readonly running = new Set<(error: ResilienceError) => void>();
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

  /** Registers how to end a running operation (stop its work, then fail it); returns the unregister function. */
  track(end: (error: ResilienceError) => void): () => void {
    this.running.add(end);
    return () => void this.running.delete(end);
  }

  /** Ends every running operation; later ones fail with the same error. Idempotent. */
  dispose(): void {
    if (this.error) return;
    const error = (this.error = disposedError(this.link));
    const running = [...this.running];
    this.running.clear();
    for (const end of running) end(error);
  }
}
