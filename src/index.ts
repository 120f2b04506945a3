// Public API of nestjs-keycard. Only what is listed here is public.

// Module and configuration
export { KeycardModule } from './keycard.module.js';
export { KEYCARD_CONFIG } from './keycard.constants.js';
export { KEYCARD_MODULE_OPTIONS } from './keycard.module-definition.js';
export { InjectKeycardConfig } from './config/inject-keycard-config.decorator.js';
export type {
  KeycardConfig,
  KeycardCredentialSource,
  KeycardJwtAlgorithm,
  KeycardModuleOptions,
  KeycardResourceConfig,
  KeycardZoneConfig,
  KeycardZonesOptions,
} from './config/keycard-options.interface.js';

// Application credentials
export { ApplicationCredential, JWT_BEARER_CLIENT_ASSERTION_TYPE } from './credentials/application-credential.js';
export type {
  ApplicationCredentialKind,
  EnvReader,
  PublicJwks,
  TokenEndpointRequest,
} from './credentials/application-credential.js';
export { ClientSecret, type ClientSecretPair, type ClientSecretsByIssuer } from './credentials/client-secret.credential.js';
export { WebIdentity, type WebIdentityOptions } from './credentials/web-identity.credential.js';
export {
  WebIdentityKeyStorage,
  type WebIdentityKeyPair,
  type WebIdentityKeySet,
  type WebIdentityPublicJwk,
} from './credentials/web-identity-key-storage.js';
export { FileKeyStorage } from './credentials/file-key-storage.js';
export { MountedKeyStorage, type MountedKeyStorageOptions } from './credentials/mounted-key-storage.js';
export { RedisKeyStorage, type RedisKeyRotationOptions, type RedisKeyStorageOptions } from './redis/redis-key-storage.js';
export {
  EKSWorkloadIdentity,
  type EKSWorkloadIdentityOptions,
} from './credentials/eks-workload-identity.credential.js';

// Zone
export { ZoneMetadataService } from './zone/zone-metadata.service.js';
export type { ZoneMetadata } from './zone/zone-metadata.interface.js';

// Inbound authentication
export { KeycardAuthGuard } from './auth/keycard-auth.guard.js';
/** `zones` mode: verifies each request against the zone its first path segment names. */
export { KeycardZonesGuard } from './auth/keycard-zones.guard.js';
/** `zones` mode: the configured zones by id and issuer, each with its own metadata service. */
export { KeycardZones, type KeycardZone } from './zone/keycard-zones.js';
export { Public } from './auth/public.decorator.js';
export { RequireScopes } from './auth/require-scopes.decorator.js';
export {
  KeycardAuthServerUnavailableException,
  KeycardInsufficientScopeException,
  KeycardUnauthorizedException,
} from './auth/keycard-auth.exceptions.js';
export type { KeycardAuthErrorBody } from './auth/keycard-auth.exceptions.js';
export type { KeycardAuthInfo, KeycardTokenClaims, KeycardUser } from './auth/keycard-user.interface.js';
export { getHttpRequest, type KeycardHttpRequest } from './auth/http-request.util.js';
export type { ProtectedResourceMetadata } from './well-known/protected-resource-metadata.js';

// Delegated access
export { Grant } from './grant/grant.decorator.js';
export { AccessCtx } from './grant/access-ctx.decorator.js';
export { GrantInterceptor } from './grant/grant.interceptor.js';
export { GrantService, type GrantSubject, type SdkHandlerContext } from './grant/grant.service.js';
/** The RFC 8693 `subject_token_type` of impersonated exchanges (`@Grant(..., { userIdentifier })`). */
export { SUBSTITUTE_USER_TOKEN_TYPE } from './grant/substitute-user-token.js';
export type {
  GrantDefinition,
  GrantOptions,
  UserIdentifierContext,
  UserIdentifierResolver,
} from './grant/grant-options.interface.js';
export type { GrantScopes } from './grant/token-exchange.service.js';
export { AccessContext } from './grant/access-context.js';
export type { AccessErrorEntry, AccessErrorInit, AccessErrors, AccessStatus } from './grant/access-context.types.js';
export type { TokenResponse } from './grant/token-response.interface.js';
export { ResourceAccessError, type ResourceAccessErrorType } from './grant/resource-access.error.js';
export { TokenExchangeError } from './grant/token-exchange.error.js';
export { ExchangeCache, type ExchangeCacheEntry, type ExchangeCacheKey } from './grant/exchange-cache.js';
export { MemoryExchangeCache, type MemoryExchangeCacheOptions } from './grant/memory-exchange-cache.js';

// Several replicas (Redis)
export type { KeycardRedisClient, KeycardRedisOptions } from './redis/keycard-redis-options.interface.js';

// Errors
export { KeycardConfigurationError, KeycardCredentialError, KeycardError, ZoneDiscoveryError } from './errors/keycard.error.js';
