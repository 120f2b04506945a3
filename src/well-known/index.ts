// Public names of the discovery endpoints; re-exported by src/index.ts.
export { WellKnownController } from './well-known.controller.js';
export { KeycardCorsMiddleware } from './keycard-cors.middleware.js';
export { buildProtectedResourceMetadata } from './protected-resource-metadata.js';
export type { ProtectedResourceMetadata } from './protected-resource-metadata.js';
