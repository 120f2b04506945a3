export { AccessContext } from './access-context.js';
export type { AccessErrorEntry, AccessErrorInit, AccessErrors, AccessStatus } from './access-context.types.js';
export { ResourceAccessError, type ResourceAccessErrorType } from './resource-access.error.js';
export type { TokenResponse } from './token-response.interface.js';
export { ExchangeCache, type ExchangeCacheEntry, type ExchangeCacheKey } from './exchange-cache.js';
export { MemoryExchangeCache, type MemoryExchangeCacheOptions } from './memory-exchange-cache.js';
export { exchangeCacheKey, normalizeScope } from './exchange-cache-key.js';
export { TokenExchangeError } from './token-exchange.error.js';
export {
  TokenExchangeClient,
  type TokenExchangeClientOptions,
  type TokenExchangeRequest,
} from './token-exchange.client.js';
export {
  TokenExchangeService,
  type ExchangeAllParams,
  type ExchangeParams,
  type GrantScopes,
  type TokenExchangeServiceOptions,
} from './token-exchange.service.js';
