import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { InjectKeycardConfig } from './inject-keycard-config.decorator.js';
import type { KeycardConfig } from './keycard-options.interface.js';
import { listenAddressMismatch } from './listen-address.js';

/** The part of a Node HTTP server the check uses. */
interface ListeningServer {
  readonly listening?: boolean;
  address(): AddressInfo | string | null;
  once(event: 'listening', listener: () => void): unknown;
}

/**
 * Warns once the app listens, when the address it listens on cannot be the host and port of
 * `mcpBaseUrl` (e.g. `mcpBaseUrl` port 8000, listening on 8200): clients would be sent to a
 * protected resource nobody serves. Apps without an HTTP server (tests with
 * `createNestApplicationContext`) are left alone.
 */
@Injectable()
export class ListenAddressChecker implements OnApplicationBootstrap {
  private readonly logger = new Logger('KeycardModule');

  constructor(
    @InjectKeycardConfig() private readonly config: KeycardConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as ListeningServer | undefined;
    if (!server || typeof server.once !== 'function' || typeof server.address !== 'function') return;
    if (server.listening) this.check(server);
    else server.once('listening', () => this.check(server));
  }

  private check(server: ListeningServer): void {
    const address = server.address();
    if (!address || typeof address === 'string') return;
    const mismatch = listenAddressMismatch(this.config.mcpBaseUrl, { address: address.address, port: address.port });
    if (mismatch) this.logger.warn(mismatch);
  }
}
