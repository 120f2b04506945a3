import type { INestApplication } from '@nestjs/common';
import type { ExampleAppOptions } from '../../shared/app-options.js';
import { createHttpApp } from '../../shared/create-http-app.js';
import { DelegatedAccessSdkModule } from './delegated-access-sdk.module.js';

/** The delegated-access MCP server built with the official MCP SDK, ready to `listen()`. */
export function createDelegatedAccessSdkApp(options: ExampleAppOptions = {}): Promise<INestApplication> {
  return createHttpApp(DelegatedAccessSdkModule.forRoot(options), options);
}
