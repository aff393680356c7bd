import { AuthRefreshLink } from './auth/AuthRefreshLink.js';
import { ErrorClassifyLink } from './classify/ErrorClassifyLink.js';
import { ApolloLink } from './compat/index.js';
import { EtagConflictLink } from './etag/EtagConflictLink.js';
import type { EventListener } from './events.js';
import { RetryBackoffLink } from './retry/RetryBackoffLink.js';

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

function withEvents<T extends { onEvent?: EventListener }>(options: T, onEvent: EventListener | undefined): T {
  if (!onEvent) return options;
  const own = options.onEvent;
  return { ...options, onEvent: own ? (event) => { own(event); onEvent(event); } : onEvent };
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
 */
export function createResilienceLink(options: ResilienceLinkOptions = {}): ApolloLink {
  const links: ApolloLink[] = [];
  if (options.etag) links.push(new EtagConflictLink(withEvents(options.etag, options.onEvent)));
  if (options.retry !== false) links.push(new RetryBackoffLink(withEvents(options.retry ?? {}, options.onEvent)));
  if (options.auth) links.push(new AuthRefreshLink(withEvents(options.auth, options.onEvent)));
  links.push(new ErrorClassifyLink(options.classify));
  return ApolloLink.from(links);
}
