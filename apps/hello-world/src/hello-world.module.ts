import { Module, type DynamicModule } from '@nestjs/common';
import { KeycardModule } from 'nestjs-keycard';
import type { ExampleAppOptions } from '../../shared/app-options.js';
import type { KeycardMcpEndpoint } from '../../shared/mcp-nest-endpoint.js';
import { HelloWorldTools } from './hello-world.tools.js';

@Module({})
export class HelloWorldModule {
  static forRoot(options: ExampleAppOptions, endpoint: KeycardMcpEndpoint): DynamicModule {
    return {
      module: HelloWorldModule,
      imports: [
        KeycardModule.forRoot({
          zoneUrl: options.zoneUrl,
          mcpBaseUrl: options.mcpBaseUrl,
          mcpServerName: 'Hello World (nestjs-keycard)',
          applicationCredential: options.applicationCredential,
          redis: options.redis,
          isGlobal: true,
        }),
      ],
      controllers: [endpoint.controller, HelloWorldTools],
    };
  }
}
