import type { INestApplication } from '@nestjs/common';
import type { ExampleAppOptions } from '../../shared/app-options.js';
import { createHttpApp } from '../../shared/create-http-app.js';
import { createKeycardMcpEndpoint } from '../../shared/mcp-nest-endpoint.js';
import { HelloWorldModule } from './hello-world.module.js';

/**
 * The hello-world MCP server (MCP-Nest), ready to `listen()`: the MCP endpoint at `/mcp`
 * behind `KeycardAuthGuard`, and the discovery documents under `/.well-known/`.
 */
export async function createHelloWorldApp(options: ExampleAppOptions = {}): Promise<INestApplication> {
  const endpoint = createKeycardMcpEndpoint({ name: 'hello-world', version: '0.1.0' });
  const app = await createHttpApp(HelloWorldModule.forRoot(options, endpoint), options);
  app.connectMicroservice({ strategy: endpoint.strategy });
  // Before listen(): the MCP tools are bound when the strategy starts.
  await app.startAllMicroservices();
  return app;
}
