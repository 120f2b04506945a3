import type { Provider } from '@nestjs/common';

/** Providers of inbound authentication, registered by `KeycardModule`. */
export const authProviders: Provider[] = [];
