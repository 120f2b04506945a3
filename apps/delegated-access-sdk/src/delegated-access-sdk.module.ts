import { Module, type DynamicModule } from '@nestjs/common';
import { KeycardModule } from 'nestjs-keycard';
import type { ExampleAppOptions } from '../../shared/app-options.js';
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
          applicationCredential: options.applicationCredential,
          redis: options.redis,
          isGlobal: true,
        }),
      ],
      controllers: [SdkMcpController],
    };
  }
}
