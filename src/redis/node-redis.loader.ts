import { KeycardConfigurationError } from '../errors/keycard.error.js';

/** The node-redis module (`redis` v5 or later), as Keycard uses it. */
export type NodeRedis = typeof import('redis');

/**
 * Loads the optional peer dependency `redis` (node-redis) when the `redis` option or a
 * `RedisKeyStorage` creates a client: apps without Redis never load it, and an app that asks
 * for Redis without the package gets a message saying what to install instead of a bare
 * "Cannot find package".
 */
export async function loadNodeRedis(purpose: string): Promise<NodeRedis> {
  try {
    return await import('redis');
  } catch (error: unknown) {
    const e = error as { code?: unknown; message?: unknown };
    if (e?.code !== 'ERR_MODULE_NOT_FOUND' || typeof e.message !== 'string' || !e.message.includes("'redis'")) throw error;
    throw new KeycardConfigurationError(
      `${purpose} uses Redis, but the node-redis client is not installed: run \`npm install redis\` (v5 or later).`,
      { cause: error },
    );
  }
}
