export * from './classify/index.js';
export * from './retry/index.js';
export * from './auth/index.js';
export * from './etag/index.js';
export { createResilienceLink } from './createResilienceLink.js';
export type { ResilienceLink, ResilienceLinkOptions } from './createResilienceLink.js';
export type { EventListener, ResilienceEvent } from './events.js';
