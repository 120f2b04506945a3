import { Module, type DynamicModule } from '@nestjs/common';
import { KeycardModule } from 'nestjs-keycard';
import type { ExampleAppOptions } from '../../shared/app-options.js';
import { ADMIN_SCOPE, TOOLS_SCOPE } from './delegated-access.server.js';
import { SdkMcpController } from './sdk-mcp.controller.js';

@Module({})
export class DelegatedAccessSdkModule {
  static forRoot(options: ExampleAppOptions): DynamicModule {
    return {
      module: DelegatedAccessSdkModule,
      imports: [
        KeycardModule.forRoot({
          zoneUrl: options.zoneUrl,
          mcpBaseUrl: options.mcpBaseUrl,
          mcpServerName: 'Delegated access demo (nestjs-keycard, official MCP SDK)',
          // Named in the 401 challenge: clients log in with it, and step up to ADMIN_SCOPE.
          requiredScopes: [TOOLS_SCOPE],
          // The SDK's scopeChallenge is not a decorator the module can find: advertise it here.
          scopesSupported: [ADMIN_SCOPE],
          applicationCredential: options.applicationCredential,
          redis: options.redis,
          isGlobal: true,
        }),
      ],
      controllers: [SdkMcpController],
    };
  }
}
