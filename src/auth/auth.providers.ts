import type { Provider } from '@nestjs/common';
import { JwksKeyStore } from './jwks-key-store.js';
import { KeycardAuthGuard } from './keycard-auth.guard.js';
import { KeycardJwtStrategy } from './keycard-jwt.strategy.js';
import { KeycardTokenVerifier } from './keycard-token.verifier.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** Providers of inbound authentication, registered (and exported) by `KeycardModule`. */
export const authProviders: Provider[] = [
  JwksKeyStore,
  KeycardTokenVerifier,
  KeycardJwtStrategy,
  // One per KeycardModule, like the guard and verifier it serves.
  { provide: VerifiedTokenCache, inject: [JwksKeyStore], useFactory: (keys: JwksKeyStore) => new VerifiedTokenCache({ keys }) },
  KeycardAuthGuard,
];
