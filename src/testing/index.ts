// Public API of nestjs-keycard/testing: test helpers and the local authorization server.

// Offline test kit: no zone, no network
export { mockAccessContext, type MockAccessContextOptions, type MockAccessOptions } from './mock-access-context.js';
export { mockGrants, MockGrantService, type MockGrantCall } from './mock-grant.service.js';
export { fakeKeycardGuard, FakeKeycardGuard } from './fake-keycard.guard.js';
export { fakeKeycardUser, type FakeKeycardUserOptions } from './fake-keycard-user.js';
export { overrideKeycard, type KeycardOverridableBuilder, type KeycardTestingOptions } from './override-keycard.js';
export type { TestingKeycardSettings } from './testing-keycard.config.js';
export { DEFAULT_MOCK_ACCESS_TOKEN, DEFAULT_MOCK_ERROR_MESSAGE, TESTING_ZONE_URL } from './testing.constants.js';

// LocalZone: a real OAuth authorization server on loopback
export {
  ACCESS_TOKEN_TYPE,
  DEFAULT_CLI_PORT,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_PUBLIC_CLIENT_ID,
  DEMO_REDIRECT_URIS,
  JWT_BEARER_ASSERTION_TYPE,
  LocalZone,
  LocalZoneError,
  TOKEN_EXCHANGE_GRANT_TYPE,
  type ExchangeRequestRecord,
  type LocalZoneClientAuthMethod,
  type LocalZoneClientMetadata,
  type LocalZoneEndpoint,
  type LocalZoneFailWith,
  type LocalZoneFault,
  type LocalZoneFaultTarget,
  type LocalZoneJwk,
  type LocalZoneJwks,
  type LocalZoneOptions,
  type LocalZoneRegisteredClient,
  type LocalZoneRequestCounts,
  type LocalZoneResourceFailure,
  type LocalZoneTokenStyle,
  type LocalZoneUser,
  type LocalZoneWorkloadIdentity,
  type MintAccessTokenOptions,
} from './local-zone/index.js';
