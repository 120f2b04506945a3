// Public API of nestjs-keycard/local-zone: LocalZone, a real OAuth 2.1 authorization server on
// loopback for tests and demos. Needs the optional peer dependency oidc-provider.

export { LocalZone } from './local-zone.js';
export { LocalZoneError } from './local-zone.error.js';
export {
  ACCESS_TOKEN_TYPE,
  DEFAULT_CLI_PORT,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_PUBLIC_CLIENT_ID,
  DEMO_REDIRECT_URIS,
  JWT_BEARER_ASSERTION_TYPE,
  SUBSTITUTE_USER_TOKEN_TYPE,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from './local-zone.constants.js';
export type {
  LocalZoneJwk,
  LocalZoneJwks,
  LocalZoneOptions,
  LocalZoneTokenStyle,
  LocalZoneUser,
} from './local-zone-options.interface.js';
export type {
  ExchangeRequestRecord,
  LocalZoneClientAuthMethod,
  LocalZoneEndpoint,
  LocalZoneRequestCounts,
} from './local-zone-records.interface.js';
export type {
  LocalZoneFailWith,
  LocalZoneFault,
  LocalZoneFaultTarget,
  LocalZoneResourceFailure,
} from './local-zone-fault.interface.js';
export type {
  LocalZoneClientMetadata,
  LocalZoneRegisteredClient,
  LocalZoneWorkloadIdentity,
} from './local-zone-client.interface.js';
export type { MintAccessTokenOptions } from './mint-access-token-options.interface.js';
