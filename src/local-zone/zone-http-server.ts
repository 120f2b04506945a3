import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { LocalZoneError } from './local-zone.error.js';

/** Loopback only: the zone never listens on another interface. */
export const LOOPBACK_HOST = '127.0.0.1';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The zone's HTTP server on 127.0.0.1. Tracks its connections so that `close()` ends
 * every open, idle or hanging one at once and frees the port.
 */
export class ZoneHttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private closing: Promise<void> | undefined;

  constructor(handler: Handler, onError: (err: unknown) => void) {
    this.server = createServer((req, res) => {
      handler(req, res).catch((err: unknown) => {
        onError(err);
        if (!res.headersSent) {
          res.statusCode = 500;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ error: 'server_error', error_description: 'LocalZone failed to handle the request' }));
        } else {
          res.destroy();
        }
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens on 127.0.0.1; resolves with the bound port. */
  listen(port: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        this.server.off('listening', onListening);
        reject(
          new LocalZoneError(
            err.code === 'EADDRINUSE'
              ? `port ${port} on ${LOOPBACK_HOST} is already in use; pick another port or 0 for a free one`
              : `LocalZone could not listen on ${LOOPBACK_HOST}:${port}: ${err.message}`,
            { cause: err },
          ),
        );
      };
      const onListening = () => {
        this.server.off('error', onError);
        resolve((this.server.address() as AddressInfo).port);
      };
      this.server.once('error', onError);
      this.server.once('listening', onListening);
      this.server.listen({ port, host: LOOPBACK_HOST });
    });
  }

  /** Stops listening and destroys every connection; resolves once the port is free. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
    return this.closing;
  }
}
