export * from './classify/index.js';
export { createResilienceLink } from './createResilienceLink.js';
export type { ResilienceEvent, ResilienceLinkOptions } from './createResilienceLink.js';
