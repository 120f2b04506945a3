import type { Provider } from '@nestjs/common';
import type { KeycardConfig, KeycardModuleOptions } from '../config/keycard-options.interface.js';
import { KEYCARD_CONFIG } from '../keycard.constants.js';
import { KEYCARD_MODULE_OPTIONS } from '../keycard.module-definition.js';
import { ExchangeCache } from './exchange-cache.js';
import { GrantInterceptor } from './grant.interceptor.js';
import { GrantService } from './grant.service.js';
import { MemoryExchangeCache } from './memory-exchange-cache.js';
import { TokenExchangeClient } from './token-exchange.client.js';
import { TokenExchangeService } from './token-exchange.service.js';

/** Providers of delegated access (@Grant), registered by `KeycardModule`. */
export const grantProviders: Provider[] = [
  {
    provide: ExchangeCache,
    inject: [KEYCARD_CONFIG, KEYCARD_MODULE_OPTIONS],
    useFactory: (config: KeycardConfig, options: KeycardModuleOptions | undefined) =>
      options?.exchangeCache ?? new MemoryExchangeCache({ maxEntries: config.exchangeCacheMaxEntries }),
  },
  {
    provide: TokenExchangeClient,
    inject: [KEYCARD_CONFIG],
    useFactory: (config: KeycardConfig) =>
      new TokenExchangeClient({ timeoutMs: config.zoneTimeoutMs, credential: config.credential }),
  },
  {
    provide: TokenExchangeService,
    inject: [TokenExchangeClient, ExchangeCache],
    useFactory: (client: TokenExchangeClient, cache: ExchangeCache) => new TokenExchangeService({ client, cache }),
  },
  GrantService,
  GrantInterceptor,
];
