/** Metadata key of `@Grant()`. */
export const GRANT_METADATA = 'keycard:grant';

/** DI token of the Redis connection behind the shared exchange cache and lease (`null` without the `redis` option). */
export const KEYCARD_EXCHANGE_REDIS = Symbol('KEYCARD_EXCHANGE_REDIS');
