import type { Provider } from '@nestjs/common';

/** Providers of delegated access (@Grant), registered by `KeycardModule`. */
export const grantProviders: Provider[] = [];
