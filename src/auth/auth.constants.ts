/** Name under which the passport-jwt strategy is registered with passport. */
export const KEYCARD_JWT_STRATEGY = 'keycard-jwt';

/** Metadata key written by `@Public()`. */
export const KEYCARD_PUBLIC_KEY = 'keycard:public';

/** Metadata key written by `@RequireScopes()`. */
export const KEYCARD_REQUIRED_SCOPES_KEY = 'keycard:required-scopes';

/**
 * Longest bearer token the guard looks at, in characters. Longer ones are rejected
 * before any decoding. Keycard access tokens are around 1 KB.
 */
export const MAX_BEARER_TOKEN_LENGTH = 8192;

/**
 * Request slot (global symbol) where MCP-Nest's transport reads the RFC 9728 metadata URL
 * for its step-up `insufficient_scope` challenges. The guard fills it on success.
 */
export const MCP_NEST_RESOURCE_METADATA_URL = Symbol.for('@rekog/mcp-nest:resource-metadata-url');

/**
 * Optional provider: the clock (ms since the epoch) the zone key store times its key set,
 * refetches and retry back-off with. Default `Date.now`. Internal (not exported by the
 * package): lets tests move time without waiting.
 */
export const KEYCARD_CLOCK = Symbol('KEYCARD_CLOCK');

/** What `KEYCARD_CLOCK` provides. */
export type KeycardClock = () => number;
