// API profiles: what one API says that the core does not know. Each is plain data, tree-shakable:
// `classifyError(e, { profiles: [ion, restEnvelope] })`, `createResilienceLink({ classify: { profiles } })`.
export { ion } from './ion.js';
export { restEnvelope } from './restEnvelope.js';
export { graphqlCodes } from './graphqlCodes.js';
export { apolloServer } from './apolloServer.js';
export { hasura } from './hasura.js';
export { appSync } from './appSync.js';
export { shopify } from './shopify.js';
export { github } from './github.js';
export type { ClassificationProfile, ClassificationRule } from '../classify/types.js';
