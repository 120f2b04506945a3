import type { Provider } from '@nestjs/common';
import type { KeycardConfig, KeycardModuleOptions } from '../config/keycard-options.interface.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import { KEYCARD_CONFIG } from '../keycard.constants.js';
import { KEYCARD_MODULE_OPTIONS } from '../keycard.module-definition.js';
import { RedisConnection } from '../redis/redis-connection.js';
import { ExchangeCache } from './exchange-cache.js';
import { GrantInterceptor } from './grant.interceptor.js';
import { KEYCARD_EXCHANGE_REDIS } from './grant.constants.js';
import { GrantService } from './grant.service.js';
import { MemoryExchangeCache } from './memory-exchange-cache.js';
import { RedisExchangeCache } from './redis-exchange-cache.js';
import { RedisExchangeLease } from './redis-exchange-lease.js';
import { TokenExchangeClient } from './token-exchange.client.js';
import { TokenExchangeService } from './token-exchange.service.js';

/** Extra time a cross-replica lease lasts beyond one exchange's timeout, in ms. */
const LEASE_MARGIN_MS = 500;

/** Providers of delegated access (@Grant), registered by `KeycardModule`. */
export const grantProviders: Provider[] = [
  {
    provide: KEYCARD_EXCHANGE_REDIS,
    inject: [KEYCARD_MODULE_OPTIONS],
    useFactory: async (options: KeycardModuleOptions | undefined): Promise<RedisConnection | null> => {
      if (options?.redis === undefined) return null;
      if (options.exchangeCache !== undefined) {
        throw new KeycardConfigurationError(
          'the redis and exchangeCache options both choose the exchange cache: keep one (redis gives the built-in encrypted Redis cache).',
        );
      }
      return RedisConnection.open(options.redis, 'the redis option of KeycardModule');
    },
  },
  {
    provide: ExchangeCache,
    inject: [KEYCARD_CONFIG, KEYCARD_MODULE_OPTIONS, KEYCARD_EXCHANGE_REDIS],
    useFactory: (config: KeycardConfig, options: KeycardModuleOptions | undefined, redis: RedisConnection | null) =>
      options?.exchangeCache ??
      (redis ? new RedisExchangeCache(redis) : new MemoryExchangeCache({ maxEntries: config.exchangeCacheMaxEntries })),
  },
  {
    provide: TokenExchangeClient,
    inject: [KEYCARD_CONFIG],
    useFactory: (config: KeycardConfig) =>
      new TokenExchangeClient({ timeoutMs: config.zoneTimeoutMs, credential: config.credential }),
  },
  {
    provide: TokenExchangeService,
    inject: [KEYCARD_CONFIG, TokenExchangeClient, ExchangeCache, KEYCARD_EXCHANGE_REDIS],
    useFactory: (config: KeycardConfig, client: TokenExchangeClient, cache: ExchangeCache, redis: RedisConnection | null) =>
      new TokenExchangeService({
        client,
        cache,
        memoryMaxEntries: config.exchangeCacheMaxEntries,
        lease: redis ? new RedisExchangeLease(redis) : undefined,
        leaseMs: config.zoneTimeoutMs + LEASE_MARGIN_MS,
      }),
  },
  GrantService,
  GrantInterceptor,
];
