import type { ModuleRef } from '@nestjs/core';
import type { ConfigServiceLike } from './env-reader.js';

/**
 * Finds the app's `ConfigService`, if `@nestjs/config` is installed and the app registered
 * `ConfigModule`. `@nestjs/config` is an optional peer, hence the dynamic import.
 */
export async function findConfigService(moduleRef: ModuleRef): Promise<ConfigServiceLike | undefined> {
  let token: unknown;
  try {
    ({ ConfigService: token } = await import('@nestjs/config'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  try {
    return moduleRef.get(token as new () => ConfigServiceLike, { strict: false });
  } catch {
    // Not registered in this app: fall back to process.env.
    return undefined;
  }
}
