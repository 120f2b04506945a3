import { Controller, UseGuards } from '@nestjs/common';
import { GrantService, KeycardAuthGuard } from 'nestjs-keycard';
import { SdkMcpEndpoint } from '../../shared/sdk-mcp-endpoint.js';
import { createDelegatedAccessServer } from './delegated-access.server.js';

/** The official-SDK MCP server of this app, at `/mcp`, behind `KeycardAuthGuard`. */
@Controller('mcp')
@UseGuards(KeycardAuthGuard)
export class SdkMcpController extends SdkMcpEndpoint {
  constructor(grants: GrantService) {
    super(() => createDelegatedAccessServer(grants));
  }
}
