import { Module, type DynamicModule } from '@nestjs/common';
import { KeycardModule } from 'nestjs-keycard';
import type { ExampleAppOptions } from '../../shared/app-options.js';
import type { KeycardMcpEndpoint } from '../../shared/mcp-nest-endpoint.js';
import { DelegatedAccessTools, TOOLS_SCOPE } from './delegated-access.tools.js';

@Module({})
export class DelegatedAccessModule {
  static forRoot(options: ExampleAppOptions, endpoint: KeycardMcpEndpoint): DynamicModule {
    return {
      module: DelegatedAccessModule,
      imports: [
        KeycardModule.forRoot({
          zoneUrl: options.zoneUrl,
          mcpBaseUrl: options.mcpBaseUrl,
          mcpServerName: 'Delegated access demo (nestjs-keycard, MCP-Nest)',
          // Named in the 401 challenge: clients log in with it, and step up to `demo:admin`
          // (found on `@ToolScopes` and advertised in `scopes_supported`) when a tool needs it.
          requiredScopes: [TOOLS_SCOPE],
          applicationCredential: options.applicationCredential,
          redis: options.redis,
          isGlobal: true,
        }),
      ],
      controllers: [endpoint.controller, DelegatedAccessTools],
    };
  }
}
