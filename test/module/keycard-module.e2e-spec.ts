import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApplicationCredential,
  ExchangeCache,
  MemoryExchangeCache,
  KEYCARD_CONFIG,
  KeycardConfigurationError,
  KeycardModule,
  type KeycardConfig,
  type KeycardModuleOptions,
} from '../../src/index.js';
import { ClientSecret } from '../../src/credentials/index.js';

const KEYCARD_ENV = [
  'KEYCARD_ZONE_URL', 'KEYCARD_ZONE_ID', 'KEYCARD_BASE_URL', 'MCP_SERVER_URL', 'KEYCARD_CLIENT_ID',
  'KEYCARD_CLIENT_SECRET', 'KEYCARD_APPLICATION_CREDENTIAL_TYPE', 'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR',
];

beforeEach(() => {
  for (const name of KEYCARD_ENV) vi.stubEnv(name, undefined);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function boot(imports: unknown[]): Promise<{ config: KeycardConfig; credential: ApplicationCredential | undefined; close: () => Promise<void> }> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return {
    config: app.get<KeycardConfig>(KEYCARD_CONFIG),
    credential: app.get(ApplicationCredential),
    close: () => app.close(),
  };
}

describe('KeycardModule.forRoot', () => {
  it('resolves a frozen config from options', async () => {
    const { config, credential, close } = await boot([
      KeycardModule.forRoot({ zoneId: 'abc', mcpBaseUrl: 'http://localhost:8000' }),
    ]);
    expect(config.zoneUrl).toBe('https://abc.keycard.cloud');
    expect(config.resources[0]?.resourceUrl).toBe('http://localhost:8000/mcp');
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.credentialSource).toBe('none');
    expect(credential).toBeUndefined();
    await close();
  });

  it('reads process.env when the app has no ConfigModule', async () => {
    vi.stubEnv('KEYCARD_ZONE_URL', 'https://env-zone.example.com');
    vi.stubEnv('MCP_SERVER_URL', 'http://127.0.0.1:3000');
    vi.stubEnv('KEYCARD_CLIENT_ID', 'id');
    vi.stubEnv('KEYCARD_CLIENT_SECRET', 'secret');
    const { config, credential, close } = await boot([KeycardModule.forRoot({})]);
    expect(config.zoneUrl).toBe('https://env-zone.example.com');
    expect(config.mcpBaseUrl).toBe('http://127.0.0.1:3000/');
    expect(credential).toBeInstanceOf(ClientSecret);
    expect(config.credentialSource).toBe('env:client_secret');
    await close();
  });

  it('fails the boot with every problem listed', async () => {
    const error = await boot([KeycardModule.forRoot({ zoneUrl: 'not-a-url' })]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeycardConfigurationError);
    expect((error as KeycardConfigurationError).problems).toHaveLength(2);
    expect((error as Error).message).toContain('MCP_SERVER_URL');
  });

  it('the explicit credential option beats env credentials', async () => {
    vi.stubEnv('KEYCARD_CLIENT_ID', 'env-id');
    vi.stubEnv('KEYCARD_CLIENT_SECRET', 'env-secret');
    const explicit = new ClientSecret('opt-id', 'opt-secret');
    const { credential, config, close } = await boot([
      KeycardModule.forRoot({ zoneId: 'abc', mcpBaseUrl: 'http://localhost:8000', applicationCredential: explicit }),
    ]);
    expect(credential).toBe(explicit);
    expect(config.credentialSource).toBe('option');
    await close();
  });

  it('isGlobal makes the config injectable from another module', async () => {
    @Module({ providers: [{ provide: 'zone', inject: [KEYCARD_CONFIG], useFactory: (c: KeycardConfig) => c.zoneUrl }], exports: ['zone'] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [KeycardModule.forRoot({ zoneId: 'glob', mcpBaseUrl: 'http://localhost:1', isGlobal: true }), FeatureModule],
    }).compile();
    expect(moduleRef.get('zone')).toBe('https://glob.keycard.cloud');
    await moduleRef.close();
  });
});

describe('exchange cache', () => {
  it('uses an in-memory cache sized by exchangeCacheMaxEntries by default', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [KeycardModule.forRoot({ zoneId: 'abc', mcpBaseUrl: 'http://localhost:1', exchangeCacheMaxEntries: 7 })],
    }).compile();
    expect(moduleRef.get(ExchangeCache)).toBeInstanceOf(MemoryExchangeCache);
    await moduleRef.close();
  });

  it('uses the exchangeCache option when given (e.g. a shared store)', async () => {
    const shared = new MemoryExchangeCache({ maxEntries: 5 });
    const moduleRef = await Test.createTestingModule({
      imports: [KeycardModule.forRoot({ zoneId: 'abc', mcpBaseUrl: 'http://localhost:1', exchangeCache: shared })],
    }).compile();
    expect(moduleRef.get(ExchangeCache)).toBe(shared);
    await moduleRef.close();
  });
});

describe('KeycardModule.forRootAsync', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keycard-env-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('useFactory with ConfigService, and env read through ConfigService (.env file)', async () => {
    const envFile = join(dir, '.env');
    await writeFile(envFile, 'KEYCARD_ZONE_ID=fromdotenv\nKEYCARD_BASE_URL=https://staging.example.com:8443\nAPP_URL=http://127.0.0.1:4000\n');
    const { config, close } = await boot([
      ConfigModule.forRoot({ envFilePath: envFile, ignoreEnvVars: true }),
      KeycardModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (cfg: ConfigService): KeycardModuleOptions => ({ mcpBaseUrl: cfg.get<string>('APP_URL') }),
      }),
    ]);
    expect(config.zoneUrl).toBe('https://fromdotenv.staging.example.com:8443');
    expect(config.mcpBaseUrl).toBe('http://127.0.0.1:4000/');
    await close();
  });

  it('useClass', async () => {
    @Injectable()
    class KeycardOptionsFactory {
      create(): KeycardModuleOptions {
        return { zoneUrl: 'https://class.example.com', mcpBaseUrl: 'http://localhost:8000', mcpPath: ['a', 'b'] };
      }
    }
    const { config, close } = await boot([KeycardModule.forRootAsync({ useClass: KeycardOptionsFactory })]);
    expect(config.resources.map((r) => r.resourceUrl)).toEqual(['http://localhost:8000/a', 'http://localhost:8000/b']);
    await close();
  });

  it('useExisting', async () => {
    @Injectable()
    class SharedOptions {
      create(): KeycardModuleOptions {
        return { zoneUrl: 'https://existing.example.com', mcpBaseUrl: 'http://localhost:8000' };
      }
    }
    @Module({ providers: [SharedOptions], exports: [SharedOptions] })
    class OptionsModule {}
    const { config, close } = await boot([
      KeycardModule.forRootAsync({ imports: [OptionsModule], useExisting: SharedOptions }),
    ]);
    expect(config.zoneUrl).toBe('https://existing.example.com');
    await close();
  });
});
