/**
 * Child process of `npm run bench`: one Nest app (Express, or Fastify with
 * BENCH_ADAPTER=fastify) on 127.0.0.1 with every route the benchmark compares, so all
 * scenarios share one process, one event loop and one JIT.
 *
 * - `GET /bare`                 no guard (the baseline every ratio is taken against)
 * - `GET /noop-guard`           a guard that admits everything (what Nest's guard step costs)
 * - `GET /noop-interceptor`     the same plus an interceptor that returns `next.handle()`
 * - `GET /guard`                KeycardAuthGuard
 * - `GET /guard-uncached`       KeycardAuthGuard without its verified-token cache (churn reference)
 * - `GET /passport`, `/jose`, `/fast-jwt`, `/eojb` (Express only): the peers (bench-peers.ts)
 * - `GET /grant`, `/grant5`     guard + @Grant(1 or 5 resources), exchange cache on (default)
 * - `GET /nocache/grant`, `/nocache/grant5` (Express only)   the same with `exchangeCacheMaxEntries: 0`
 * - `POST /mcp-open`            MCP-Nest (stateless) without a guard: `tools/call echo`
 * - `POST /mcp-cors`            the same, also a configured MCP endpoint: KeycardModule's CORS middleware runs, no guard
 * - `POST /mcp`                 the same behind KeycardAuthGuard: `tools/call echo`, `echo_noop_interceptor`, `echo_grant` (@Grant)
 *
 * The two `/grant` families come from two `KeycardModule.forRoot()` instances (the cache
 * size is a module option); Fastify refuses their overlapping discovery routes, so its app
 * has only the first. A grant with errors answers 502 (HTTP) or a JSON-RPC error (MCP).
 */
import 'reflect-metadata';
import {
  BadGatewayException,
  Controller,
  Get,
  Injectable,
  Module,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type DynamicModule,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { McpController, McpHttpControllerFor, McpStrategy, StreamableHttpTransport, Tool } from '@rekog/mcp-nest';
import { AccessContext, AccessCtx, ClientSecret, Grant, KeycardAuthGuard, KeycardModule } from '../src/index.js';
import { VerifiedTokenCache } from '../src/auth/verified-token-cache.js';
import { ExchangeCache } from '../src/grant/exchange-cache.js';
import type { MemoryExchangeCache } from '../src/grant/memory-exchange-cache.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../src/local-zone/index.js';
import { serveApp } from './bench-ipc.js';
import {
  ExpressOauth2JwtBearerGuard,
  FastJwtGuard,
  JoseGuard,
  PassportRecipeGuard,
  PassportRecipeStrategy,
  setPeerZone,
  UncachedKeycardAuthGuard,
} from './bench-peers.js';
import { BENCH_MCP_BASE_URL, BENCH_RESOURCES } from './bench.constants.js';

const [FIRST] = BENCH_RESOURCES;
const FASTIFY = process.env.BENCH_ADAPTER === 'fastify';

function answer(access: AccessContext): { ok: true; resources: number } {
  if (access.hasErrors()) throw new BadGatewayException(`token exchange failed for ${access.getFailedResources().join(', ')}`);
  return { ok: true, resources: access.getSuccessfulResources().length };
}

@Controller()
class BareController {
  @Get('bare')
  bare(): { ok: true } {
    return { ok: true };
  }
}

/** Admits every request, asynchronously like KeycardAuthGuard: the floor of any guard. */
@Injectable()
class AllowGuard implements CanActivate {
  async canActivate(): Promise<boolean> {
    return true;
  }
}

/** Runs the handler and nothing else: what Nest's interceptor step costs (GrantInterceptor's fast path returns `next.handle()` too). */
@Injectable()
class PassInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

@Controller()
@UseGuards(AllowGuard)
class ReferenceController {
  @Get('noop-guard')
  guard(): { ok: true } {
    return { ok: true };
  }

  @Get('noop-interceptor')
  @UseInterceptors(PassInterceptor)
  interceptor(): { ok: true } {
    return { ok: true };
  }
}

/** One controller per guard: `GET /<path>` answers `{ ok: true }` behind `guard`. */
function guardedRoute(path: string, guard: Type<CanActivate>): Type<unknown> {
  @Controller(path)
  @UseGuards(guard)
  class GuardedRoute {
    @Get()
    get(): { ok: true } {
      return { ok: true };
    }
  }
  return GuardedRoute;
}

@Controller()
@UseGuards(KeycardAuthGuard)
class GrantController {
  @Get('grant')
  @Grant(FIRST)
  grant(@AccessCtx() access: AccessContext) {
    return answer(access);
  }

  @Get('grant5')
  @Grant(BENCH_RESOURCES)
  grant5(@AccessCtx() access: AccessContext) {
    return answer(access);
  }
}

@Controller('nocache')
@UseGuards(KeycardAuthGuard)
class NoCacheController {
  @Get('grant')
  @Grant(FIRST)
  grant(@AccessCtx() access: AccessContext) {
    return answer(access);
  }

  @Get('grant5')
  @Grant(BENCH_RESOURCES)
  grant5(@AccessCtx() access: AccessContext) {
    return answer(access);
  }
}

const TEXT = { content: [{ type: 'text' as const, text: 'ok' }] };

/** MCP-Nest tools: `echo` (nothing), `echo_noop_interceptor` (reference) and `echo_grant` (@Grant, one resource). */
@McpController()
class BenchTools {
  @Tool({ name: 'echo', description: 'Answers ok.' })
  echo(@Payload() _args: unknown) {
    return TEXT;
  }

  @Tool({ name: 'echo_noop_interceptor', description: 'Answers ok behind a no-op interceptor (what Nest\'s interceptor step costs a tool).' })
  @UseInterceptors(PassInterceptor)
  echoNoopInterceptor(@Payload() _args: unknown) {
    return TEXT;
  }

  @Tool({ name: 'echo_grant', description: 'Answers ok with a token exchanged for one resource.' })
  @Grant(FIRST)
  echoGrant(@Payload() _args: unknown, @AccessCtx() access: AccessContext) {
    if (access.hasErrors()) throw new Error('token exchange failed');
    return TEXT;
  }
}

/** Hands the bench the caches of the KeycardModule it is provided next to. */
@Injectable()
class CacheProbe {
  constructor(
    readonly verifiedTokens: VerifiedTokenCache,
    readonly exchanges: ExchangeCache,
  ) {}
}

function keycard(zoneUrl: string, exchangeCacheMaxEntries?: number): DynamicModule {
  return KeycardModule.forRoot({
    zoneUrl,
    mcpBaseUrl: BENCH_MCP_BASE_URL,
    mcpPath: ['mcp', 'mcp-cors'],
    mcpServerName: 'Benchmark',
    applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    exchangeCacheMaxEntries,
  });
}

function createRootModule(zoneUrl: string, transport: StreamableHttpTransport): DynamicModule {
  @Controller('mcp-open')
  class OpenMcpEndpoint extends McpHttpControllerFor(transport) {}
  @Controller('mcp-cors')
  class CorsOnlyMcpEndpoint extends McpHttpControllerFor(transport) {}
  @Controller('mcp')
  @UseGuards(KeycardAuthGuard)
  class GuardedMcpEndpoint extends McpHttpControllerFor(transport) {}

  const peers: Type<CanActivate>[] = [PassportRecipeGuard, JoseGuard, FastJwtGuard, ...(FASTIFY ? [] : [ExpressOauth2JwtBearerGuard])];
  @Module({})
  class CachedFeature {}
  @Module({})
  class UncachedFeature {}
  @Module({})
  class BenchAppModule {}
  return {
    module: BenchAppModule,
    controllers: [
      BareController,
      ReferenceController,
      OpenMcpEndpoint,
      CorsOnlyMcpEndpoint,
      guardedRoute('passport', PassportRecipeGuard),
      guardedRoute('jose', JoseGuard),
      guardedRoute('fast-jwt', FastJwtGuard),
      ...(FASTIFY ? [] : [guardedRoute('eojb', ExpressOauth2JwtBearerGuard)]),
    ],
    providers: [AllowGuard, PassInterceptor, PassportRecipeStrategy, ...peers],
    imports: [
      {
        module: CachedFeature,
        imports: [keycard(zoneUrl)],
        providers: [UncachedKeycardAuthGuard, CacheProbe],
        controllers: [
          guardedRoute('guard', KeycardAuthGuard),
          guardedRoute('guard-uncached', UncachedKeycardAuthGuard),
          GrantController,
          GuardedMcpEndpoint,
          BenchTools,
        ],
      },
      ...(FASTIFY ? [] : [{ module: UncachedFeature, imports: [keycard(zoneUrl, 0)], controllers: [NoCacheController] }]),
    ],
  };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('start the app with --expose-gc');
  gc();
  gc();
}

async function main(): Promise<void> {
  const zoneUrl = process.env.BENCH_ZONE_URL;
  if (!zoneUrl) throw new Error('BENCH_ZONE_URL is not set');
  const metadata = (await (await fetch(`${zoneUrl}/.well-known/oauth-authorization-server`)).json()) as { issuer: string; jwks_uri: string };
  setPeerZone({ issuer: metadata.issuer, jwksUri: metadata.jwks_uri, zoneUrl });

  const transport = new StreamableHttpTransport();
  const strategy = new McpStrategy({ name: 'bench', version: '0.0.0', transports: [transport] });
  const adapter = FASTIFY ? new FastifyAdapter() : new ExpressAdapter();
  const root = createRootModule(zoneUrl, transport);
  const app = await NestFactory.create(root, adapter, { logger: ['error'] });
  app.connectMicroservice({ strategy });
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  // The caches of the KeycardModule behind /guard and /grant (CacheProbe lives only next to it).
  const { verifiedTokens, exchanges: exchangeCache } = app.get(CacheProbe, { strict: false });

  serveApp(app, {
    memory: () => process.memoryUsage(),
    /** Heap used after a full garbage collection, and the sizes of the caches of the first KeycardModule. */
    heap: () => {
      collectGarbage();
      return { heapUsed: process.memoryUsage().heapUsed, verifiedTokens: verifiedTokens.size, exchanges: (exchangeCache as MemoryExchangeCache).size };
    },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
