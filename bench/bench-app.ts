/**
 * Child process of `npm run bench`: one Nest app (Express) on 127.0.0.1 with every route
 * the benchmark compares, so all scenarios share one process, one event loop and one JIT.
 *
 * - `GET /bare`                 no guard (the baseline every ratio is taken against)
 * - `GET /noop-guard`           a guard that admits everything (what Nest's guard step costs)
 * - `GET /attach-guard`         a guard that only writes req.user / req.auth as KeycardAuthGuard does
 * - `GET /noop-interceptor`     the same plus an async interceptor shaped like GrantInterceptor
 * - `GET /guard`                KeycardAuthGuard
 * - `GET /grant`, `/grant5`     guard + @Grant(1 or 5 resources), exchange cache on (default)
 * - `GET /nocache/grant`, `/nocache/grant5`   the same with `exchangeCacheMaxEntries: 0`
 *
 * The two `/grant` families come from two `KeycardModule.forRoot()` instances (the cache
 * size is a module option). A grant with errors answers 502, so failed exchanges show up
 * as non-2xx responses.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
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
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { from, switchMap, type Observable } from 'rxjs';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { AccessContext, AccessCtx, ClientSecret, Grant, KeycardAuthGuard, KeycardModule } from '../src/index.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET } from '../src/local-zone/index.js';
import { serveIpc, type IpcReady } from './bench-ipc.js';
import { BENCH_MCP_BASE_URL, BENCH_MCP_RESOURCE, BENCH_RESOURCES } from './bench.constants.js';

const [FIRST] = BENCH_RESOURCES;

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

const MCP_NEST_SLOT = Symbol.for('@rekog/mcp-nest:resource-metadata-url');
const attached = new WeakMap<object, object>();

/**
 * Verifies nothing, but leaves on the request what KeycardAuthGuard leaves (a user, an MCP
 * AuthInfo with a URL, MCP-Nest's metadata slot, the verified-request mark): the cost of
 * the guard's output alone.
 */
@Injectable()
class AttachGuard implements CanActivate {
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<object>();
    const user = { sub: 'bench-user', clientId: 'bench', scopes: [], claims: { sub: 'bench-user' }, token: 'x', expiresAt: 0, resource: BENCH_MCP_RESOURCE };
    const auth = { token: 'x', clientId: 'bench', scopes: [], expiresAt: 0, resource: new URL(BENCH_MCP_RESOURCE), extra: { sub: user.sub } };
    Object.assign(request, { user, auth, [MCP_NEST_SLOT]: `${BENCH_MCP_BASE_URL}.well-known/oauth-protected-resource/mcp` });
    attached.set(request, user);
    return true;
  }
}

@Controller()
@UseGuards(AttachGuard)
class AttachController {
  @Get('attach-guard')
  attach(): { ok: true } {
    return { ok: true };
  }
}

/** Waits for a resolved promise, then runs the handler: the floor of GrantInterceptor's shape. */
@Injectable()
class PassInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return from(Promise.resolve()).pipe(switchMap(() => next.handle()));
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

@Controller()
@UseGuards(KeycardAuthGuard)
class GuardedController {
  @Get('guard')
  guard(): { ok: true } {
    return { ok: true };
  }

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

function keycard(zoneUrl: string, exchangeCacheMaxEntries?: number): DynamicModule {
  return KeycardModule.forRoot({
    zoneUrl,
    mcpBaseUrl: BENCH_MCP_BASE_URL,
    mcpServerName: 'Benchmark',
    applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
    exchangeCacheMaxEntries,
  });
}

function createRootModule(zoneUrl: string): DynamicModule {
  @Module({})
  class CachedFeature {}
  @Module({})
  class UncachedFeature {}
  @Module({})
  class BenchAppModule {}
  return {
    module: BenchAppModule,
    controllers: [BareController, ReferenceController, AttachController],
    providers: [AllowGuard, AttachGuard, PassInterceptor],
    imports: [
      { module: CachedFeature, imports: [keycard(zoneUrl)], controllers: [GuardedController] },
      { module: UncachedFeature, imports: [keycard(zoneUrl, 0)], controllers: [NoCacheController] },
    ],
  };
}

async function main(): Promise<void> {
  const zoneUrl = process.env.BENCH_ZONE_URL;
  if (!zoneUrl) throw new Error('BENCH_ZONE_URL is not set');
  const app = await NestFactory.create(createRootModule(zoneUrl), new ExpressAdapter(), { logger: ['error'] });
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on TCP');

  serveIpc({
    memory: () => process.memoryUsage(),
    cpu: () => process.cpuUsage(),
    stop: async () => {
      await app.close();
      // Not process.exit(): it would skip writing a --cpu-prof profile. Once the IPC channel
      // is closed (after this reply), the empty event loop ends the process.
      setTimeout(() => {
        if (process.connected) process.disconnect();
      }, 20);
      return null;
    },
  });
  process.send?.({ ready: true, url: `http://127.0.0.1:${address.port}` } satisfies IpcReady);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
