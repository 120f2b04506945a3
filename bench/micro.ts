/**
 * In-process hot loop of the library's own request work, without HTTP or Nest's pipeline:
 * `KeycardAuthGuard.canActivate` and `GrantInterceptor.intercept` (exchange cache warm) on
 * fresh `IncomingMessage`s, against a `LocalZone`. Prints CPU µs per request (median and
 * minimum of rounds; CPU time, not wall time, so other processes disturb it less).
 * Much steadier than `npm run bench` on a shared machine, for comparing one change.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/micro.js
 */
import 'reflect-metadata';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Controller, Get, Module, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { lastValueFrom, of } from 'rxjs';
import { ClientSecret, Grant, GrantInterceptor, KeycardAuthGuard, KeycardModule } from '../src/index.js';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, LocalZone } from '../src/local-zone/index.js';
import { BENCH_MCP_BASE_URL, BENCH_MCP_RESOURCE, BENCH_RESOURCES } from './bench.constants.js';

const ITERATIONS = Number(process.env.MICRO_ITERATIONS ?? 20_000);
const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 7);

@Controller()
class MicroController {
  @Get('guard')
  guard(): void {}

  @Get('grant')
  @Grant(BENCH_RESOURCES[0]!)
  grant(): void {}
}

function contextFor(request: object, handler: (...args: never[]) => unknown): ExecutionContext {
  const http = { getRequest: () => request, getResponse: () => ({}), getNext: () => undefined };
  return {
    getType: () => 'http',
    switchToHttp: () => http,
    switchToRpc: () => ({ getContext: () => undefined, getData: () => undefined }),
    getHandler: () => handler,
    getClass: () => MicroController,
    getArgs: () => [request, {}],
    getArgByIndex: (index: number) => [request, {}][index],
  } as unknown as ExecutionContext;
}

/** Express's request prototype: Express 5 swaps each request's prototype to it (which gives each request its own hidden class). */
let expressRequest: object | undefined;

function requestWith(token: string, url: string): IncomingMessage {
  const request = new IncomingMessage(new Socket());
  request.method = 'GET';
  request.url = url;
  request.headers = { host: 'localhost:8000', authorization: `Bearer ${token}` };
  if (expressRequest) {
    Object.setPrototypeOf(request, expressRequest);
    (request as IncomingMessage & { originalUrl: string }).originalUrl = url;
  }
  return request;
}

async function measure(name: string, step: (index: number) => Promise<unknown>): Promise<void> {
  for (let index = 0; index < ITERATIONS; index++) await step(index);
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let index = 0; index < ITERATIONS; index++) await step(index);
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / ITERATIONS);
  }
  rounds.sort((a, b) => a - b);
  process.stdout.write(`${name}: ${rounds[Math.floor(rounds.length / 2)]!.toFixed(2)} CPU µs/req (min ${rounds[0]!.toFixed(2)})\n`);
}

async function main(): Promise<void> {
  const zone = await LocalZone.start();
  let app: INestApplication | undefined;
  try {
    @Module({
      imports: [
        KeycardModule.forRoot({
          zoneUrl: zone.zoneUrl,
          mcpBaseUrl: BENCH_MCP_BASE_URL,
          mcpServerName: 'Micro',
          applicationCredential: new ClientSecret(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET),
        }),
      ],
      controllers: [MicroController],
    })
    class MicroModule {}
    app = await NestFactory.create(MicroModule, new ExpressAdapter(), { logger: ['error'] });
    await app.init();
    const guard = app.get(KeycardAuthGuard, { strict: false });
    const interceptor = app.get(GrantInterceptor, { strict: false });
    const tokens: string[] = [];
    for (let index = 0; index < 100; index++) tokens.push(await zone.mintAccessToken({ sub: `user-${index}`, resource: BENCH_MCP_RESOURCE }));
    const proto = MicroController.prototype;
    const next = { handle: () => of(true) };

    await measure('guard', async (index) => {
      const request = requestWith(tokens[index % tokens.length]!, '/guard');
      return guard.canActivate(contextFor(request, proto.guard));
    });
    expressRequest = (app.getHttpAdapter().getInstance() as { request: object }).request;
    await measure('request only, Express-shaped (subtract)', async (index) => requestWith(tokens[index % tokens.length]!, '/guard'));
    await measure('guard, Express-shaped request', async (index) => {
      const request = requestWith(tokens[index % tokens.length]!, '/guard');
      return guard.canActivate(contextFor(request, proto.guard));
    });
    await measure('guard + grant (warm), Express-shaped request', async (index) => {
      const request = requestWith(tokens[index % tokens.length]!, '/grant');
      const context = contextFor(request, proto.grant);
      await guard.canActivate(context);
      return lastValueFrom(interceptor.intercept(context, next));
    });
  } finally {
    await app?.close();
    await zone.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
