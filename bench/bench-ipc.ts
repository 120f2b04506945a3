import type { ChildProcess } from 'node:child_process';
import type { Server } from 'node:net';

/** A command sent to a child process of the benchmark. */
export interface IpcCommand {
  readonly id: number;
  readonly command: string;
  readonly args?: unknown;
}

/** The child's answer to one command. */
export type IpcReply = { readonly id: number; readonly ok: true; readonly result: unknown } | { readonly id: number; readonly ok: false; readonly error: string };

/** First message a child sends once it is listening. */
export interface IpcReady {
  readonly ready: true;
  readonly url: string;
}

function isReply(message: unknown): message is IpcReply {
  return typeof message === 'object' && message !== null && typeof (message as { id?: unknown }).id === 'number' && 'ok' in message;
}

/** Sends commands to a child and resolves with its replies. */
export class IpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: unknown) => {
      if (!isReply(message)) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`child exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  call<T>(command: string, args?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, command, args } satisfies IpcCommand);
    });
  }
}

/** Waits for a child's `IpcReady` message. */
export function waitReady(child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (typeof message === 'object' && message !== null && (message as IpcReady).ready === true) {
        child.off('exit', onExit);
        child.off('message', onMessage);
        resolve((message as IpcReady).url);
      }
    };
    const onExit = (code: number | null): void => reject(new Error(`${name} exited before it was ready (code ${code})`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** In a child: answers commands with `handlers`. */
export function serveIpc(handlers: Record<string, (args: unknown) => unknown>): void {
  process.on('message', (message: unknown) => {
    const { id, command, args } = message as IpcCommand;
    const handler = handlers[command];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${command}`);
        return handler(args);
      })
      .then(
        (result) => process.send?.({ id, ok: true, result } satisfies IpcReply),
        (error: unknown) => process.send?.({ id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies IpcReply),
      );
  });
}

/**
 * In a child: serves a listening Nest app over IPC — `cpu`, `stop` and `extra` commands — and
 * tells the parent its URL. `stop` closes the app and then the IPC channel; not process.exit(),
 * which would skip writing a --cpu-prof profile: the empty event loop ends the process.
 */
export function serveApp(app: { getHttpServer(): unknown; close(): Promise<void> }, extra: Record<string, (args: unknown) => unknown> = {}): void {
  const address = (app.getHttpServer() as Server).address();
  if (address === null || typeof address === 'string') throw new Error('the app is not listening on TCP');
  serveIpc({
    ...extra,
    cpu: () => process.cpuUsage(),
    stop: async () => {
      await app.close();
      setTimeout(() => {
        if (process.connected) process.disconnect();
      }, 20);
      return null;
    },
  });
  process.send?.({ ready: true, url: `http://127.0.0.1:${address.port}` } satisfies IpcReady);
}
