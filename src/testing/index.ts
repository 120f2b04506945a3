// Public API of nestjs-keycard/testing: offline test helpers (no oidc-provider needed).
// LocalZone, the local authorization server, has its own entry: nestjs-keycard/local-zone.

// Offline test kit: no zone, no network
export { mockAccessContext, type MockAccessContextOptions, type MockAccessOptions } from './mock-access-context.js';
export { mockGrants, MockGrantService, type MockGrantCall } from './mock-grant.service.js';
export { fakeKeycardGuard, FakeKeycardGuard } from './fake-keycard.guard.js';
export { fakeKeycardUser, type FakeKeycardUserOptions } from './fake-keycard-user.js';
export { overrideKeycard, type KeycardOverridableBuilder, type KeycardTestingOptions } from './override-keycard.js';
export type { TestingKeycardSettings } from './testing-keycard.config.js';
export { DEFAULT_MOCK_ACCESS_TOKEN, DEFAULT_MOCK_ERROR_MESSAGE, TESTING_ZONE_URL } from './testing.constants.js';
