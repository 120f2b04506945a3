/** The token every requested resource gets from `mockAccessContext()` / `mockGrants()` by default. */
export const DEFAULT_MOCK_ACCESS_TOKEN = 'test_access_token';

/** The global error message of the error scenario (`hasErrors: true`) when none is given. */
export const DEFAULT_MOCK_ERROR_MESSAGE = 'mock token exchange failure';

/** Subject (`sub`) of the fake caller when none is given. */
export const DEFAULT_FAKE_SUBJECT = 'test-user';

/** OAuth client of the fake caller when none is given. */
export const DEFAULT_FAKE_CLIENT_ID = 'test-client';

/** Lifetime of the fake caller's token, in seconds. */
export const DEFAULT_FAKE_TOKEN_LIFETIME_SECONDS = 3600;

/**
 * Zone URL of the configuration `overrideKeycard()` installs. Never contacted: the zone
 * metadata service it installs answers without I/O, and `.invalid` never resolves (RFC 6761).
 */
export const TESTING_ZONE_URL = 'https://zone.keycard-testing.invalid';

/** MCP base URL of the configuration `overrideKeycard()` installs, unless given. */
export const TESTING_MCP_BASE_URL = 'http://localhost:3000/';
