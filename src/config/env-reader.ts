import type { EnvReader } from '../credentials/application-credential.js';

/** The one method of `@nestjs/config`'s `ConfigService` this library calls. */
export interface ConfigServiceLike {
  get<T = unknown>(propertyPath: string): T | undefined;
}

/**
 * Builds the env reader used at bootstrap: through `ConfigService` when the app has one
 * (so `.env` files and `load` functions count), else `process.env`. Empty or
 * whitespace-only values count as unset.
 */
export function createEnvReader(configService?: ConfigServiceLike, env: NodeJS.ProcessEnv = process.env): EnvReader {
  const read = configService ? (name: string) => configService.get<unknown>(name) : (name: string) => env[name];
  return (name) => {
    const value = read(name);
    if (value === undefined || value === null) return undefined;
    const text = String(value).trim();
    return text === '' ? undefined : text;
  };
}
