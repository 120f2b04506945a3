import type { INestApplication } from '@nestjs/common';
import type { ExampleAppOptions } from '../../shared/app-options.js';
import { createHttpApp } from '../../shared/create-http-app.js';
import { createKeycardMcpEndpoint } from '../../shared/mcp-nest-endpoint.js';
import { DelegatedAccessModule } from './delegated-access.module.js';

/**
 * The delegated-access MCP server (MCP-Nest), ready to `listen()`: tools with `@Grant`
 * that call the demo's downstream APIs with exchanged tokens.
 */
export async function createDelegatedAccessApp(options: ExampleAppOptions = {}): Promise<INestApplication> {
  const endpoint = createKeycardMcpEndpoint({ name: 'delegated-access', version: '0.1.0' });
  const app = await createHttpApp(DelegatedAccessModule.forRoot(options, endpoint), options);
  app.connectMicroservice({ strategy: endpoint.strategy });
  await app.startAllMicroservices();
  return app;
}
