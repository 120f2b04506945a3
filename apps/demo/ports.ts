import { createServer } from 'node:net';

/** A port the demo needs, and how to move it. */
export interface DemoPort {
  readonly port: number;
  readonly what: string;
  /** Environment variable that changes it. */
  readonly env: string;
}

/** Resolves when every port is free on 127.0.0.1; otherwise rejects naming the taken ones and how to move them. */
export async function assertPortsFree(ports: readonly DemoPort[]): Promise<void> {
  const taken: string[] = [];
  for (const entry of ports) {
    const problem = await probe(entry.port);
    if (problem) taken.push(`  - port ${entry.port} (${entry.what}) ${problem}; free it, or set ${entry.env}=<another port>`);
  }
  if (taken.length > 0) {
    throw new Error(`The demo cannot start:\n${taken.join('\n')}\n(Is another demo still running? Stop it with Ctrl+C.)`);
  }
}

/** `undefined` when the port can be bound on 127.0.0.1, else why not. */
function probe(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${error.code ?? error.message})`);
    });
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(undefined)));
  });
}

/** A port from the environment, or the default. */
export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  return port;
}
