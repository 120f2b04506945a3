/**
 * Child process of `npm run bench:replicas`: one replica (Express, 127.0.0.1) with the routes
 * the replicas benchmark compares. Three of them run at once, sharing one Redis.
 *
 * - `GET /bare`                    no guard (the baseline of every ratio)
 * - `GET /memory/grant`            guard + @Grant(1 resource), in-process exchange cache only
 * - `GET /redis/grant`             the same with the `redis` option (in-process cache in front of Redis)
 * - `GET /redis-only/grant`        the `redis` option with the in-process cache off: every call reads
 *                                  (and decrypts) the token from Redis — a replica's first call for a
 *                                  token another replica exchanged
 */
import 'reflect-metadata';
import { BadGatewayException, Controller, Get, Module, UseGuards, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { AccessContext, AccessCtx, ClientSecret, Grant, KeycardAuthGuard, KeycardModule, type KeycardModuleOptions } from '../src/index.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../src/local-zone/index.js';
import { serveApp } from './bench-ipc.js';
import { BENCH_RESOURCES } from './bench.constants.js';
import { REPLICAS_BENCH_BASE_URL } from './replicas.constants.js';

const [FIRST] = BENCH_RESOURCES;

function answer(access: AccessContext): { ok: true } {
  if (access.hasErrors()) throw new BadGatewayException(`token exchange failed for ${access.getFailedResources().join(', ')}`);
  return { ok: true };
}

@Controller()
class BareController {
  @Get('bare')
  bare(): { ok: true } {
    return { ok: true };
  }
}

/** The same guarded @Grant route under three prefixes, one per KeycardModule configuration. */
function grantController(prefix: string): new () => unknown {
  @Controller(prefix)
  @UseGuards(KeycardAuthGuard)
  class GrantController {
    @Get('grant')
    @Grant(FIRST)
    grant(@AccessCtx() access: AccessContext) {
      return answer(access);
    }
  }
  return GrantController;
}

function feature(prefix: string, zoneUrl: string, extra: Partial<KeycardModuleOptions>): DynamicModule {
  @Module({})
  class Feature {}
  return {
    module: Feature,
    imports: [
      KeycardModule.forRoot({
        zoneUrl,
        mcpBaseUrl: REPLICAS_BENCH_BASE_URL,
        mcpServerName: 'Benchmark replica',
        applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        ...extra,
      }),
    ],
    controllers: [grantController(prefix)],
  };
}

async function main(): Promise<void> {
  const zoneUrl = process.env.BENCH_ZONE_URL;
  const redisUrl = process.env.BENCH_REDIS_URL;
  if (!zoneUrl || !redisUrl) throw new Error('BENCH_ZONE_URL and BENCH_REDIS_URL must be set');
  @Module({})
  class ReplicaBenchModule {}
  const root: DynamicModule = {
    module: ReplicaBenchModule,
    controllers: [BareController],
    imports: [
      feature('memory', zoneUrl, {}),
      feature('redis', zoneUrl, { redis: { url: redisUrl } }),
      feature('redis-only', zoneUrl, { redis: { url: redisUrl }, exchangeCacheMaxEntries: 0 }),
    ],
  };
  const app = await NestFactory.create(root, new ExpressAdapter(), { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  serveApp(app);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
