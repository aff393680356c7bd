export { AuthRefreshLink } from './AuthRefreshLink.js';
export { TokenManager } from './TokenManager.js';
export { clientCredentials } from './clientCredentials.js';
export type { ClientCredentialsOptions, TokenSource } from './clientCredentials.js';
export { CrossTabCoordinator } from './crossTab.js';
export type { BroadcastChannelLike, CrossTabOptions, LockManagerLike } from './crossTab.js';
export { jwtExpiryMs } from './jwt.js';
export { wsAuth } from './graphqlWs.js';
export type { WsAuth, WsAuthListeners, WsAuthOptions } from './graphqlWs.js';
