import type { IncomingMessage, ServerResponse } from 'node:http';

import { LocalZoneError } from './local-zone.error.js';
import type {
  LocalZoneFailWith,
  LocalZoneFault,
  LocalZoneFaultTarget,
  LocalZoneResourceFailure,
} from './local-zone-fault.interface.js';
import type { LocalZoneEndpoint } from './local-zone-records.interface.js';

const TARGETS: ReadonlySet<string> = new Set(['discovery', 'jwks', 'token', 'registration', 'authorization', 'all']);

/**
 * What the HTTP front does after faults were applied: handle the request, drop it (the
 * connection was cut or the zone stopped), or answer the canned response.
 */
export type FaultOutcome = 'continue' | 'dropped' | { readonly failWith: LocalZoneFailWith };

/** A resource refused by `failResources`, with the error to answer. */
export interface ResourceFailure {
  readonly resource: string;
  readonly status: number;
  readonly error: string;
  readonly errorDescription: string;
}

/** Holds the injected faults and applies them to incoming requests. */
export class FaultInjector {
  private readonly faults = new Map<LocalZoneFaultTarget, LocalZoneFault>();
  /** Requests waiting (latency or hang); resolved with `true` to proceed, `false` when the zone stops. */
  private readonly waiting = new Set<{ resolve: (proceed: boolean) => void; timer?: NodeJS.Timeout }>();
  private stopped = false;

  set(target: LocalZoneFaultTarget, fault: LocalZoneFault): void {
    if (!TARGETS.has(target)) {
      throw new LocalZoneError(`unknown fault target "${String(target)}"; use one of ${[...TARGETS].join(', ')}`);
    }
    if (fault.latencyMs !== undefined && !(Number.isFinite(fault.latencyMs) && fault.latencyMs >= 0)) {
      throw new LocalZoneError('fault latencyMs must be a non-negative number');
    }
    if (fault.failWith !== undefined && !(Number.isInteger(fault.failWith.status) && fault.failWith.status >= 100 && fault.failWith.status <= 599)) {
      throw new LocalZoneError('fault failWith.status must be an HTTP status code (100-599)');
    }
    this.faults.set(target, { ...fault, failResources: fault.failResources ? [...fault.failResources] : undefined });
  }

  /** Removes every fault (or one target's) and lets hanging requests proceed. */
  clear(target?: LocalZoneFaultTarget): void {
    if (target === undefined) this.faults.clear();
    else this.faults.delete(target);
    for (const waiter of [...this.waiting]) {
      if (waiter.timer === undefined) this.settle(waiter, true);
    }
  }

  /** The fault for an endpoint: its own members win over those set for `'all'`. */
  effective(endpoint: LocalZoneEndpoint | 'other'): LocalZoneFault | undefined {
    const all = this.faults.get('all');
    const own = endpoint === 'other' ? undefined : this.faults.get(endpoint);
    if (!all && !own) return undefined;
    return { ...all, ...own };
  }

  /** Applies latency, `down`, `hang` and `failWith` for a request. */
  async apply(endpoint: LocalZoneEndpoint | 'other', req: IncomingMessage): Promise<FaultOutcome> {
    const fault = this.effective(endpoint);
    if (!fault) return 'continue';
    if (fault.latencyMs) {
      const proceed = await this.wait(fault.latencyMs);
      if (!proceed) return 'dropped';
    }
    if (fault.down) {
      req.socket.destroy();
      return 'dropped';
    }
    if (fault.hang) {
      const proceed = await this.wait(undefined);
      return proceed ? 'continue' : 'dropped';
    }
    if (fault.failWith) return { failWith: fault.failWith };
    return 'continue';
  }

  /** The first requested resource refused by `failResources` (token endpoint faults), if any. */
  resourceFailure(resources: readonly string[]): ResourceFailure | undefined {
    const fault = this.effective('token');
    const refused = fault?.failResources?.length ? new Set(fault.failResources) : undefined;
    const resource = refused && resources.find((r) => refused.has(r));
    if (resource === undefined || !fault) return undefined;
    const how: LocalZoneResourceFailure = fault.failResourcesWith ?? {};
    return {
      resource,
      status: how.status ?? 400,
      error: how.error ?? 'invalid_target',
      errorDescription: how.errorDescription ?? `the authorization server refuses to issue a token for ${resource}`,
    };
  }

  /** Ends every wait; the waiting requests are dropped (their sockets are closed by the server). */
  shutdown(): void {
    this.stopped = true;
    for (const waiter of [...this.waiting]) this.settle(waiter, false);
  }

  private wait(ms: number | undefined): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: { resolve: (proceed: boolean) => void; timer?: NodeJS.Timeout } = { resolve };
      if (ms !== undefined) waiter.timer = setTimeout(() => this.settle(waiter, true), ms);
      this.waiting.add(waiter);
    });
  }

  private settle(waiter: { resolve: (proceed: boolean) => void; timer?: NodeJS.Timeout }, proceed: boolean): void {
    if (!this.waiting.delete(waiter)) return;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.resolve(proceed);
  }
}

/** Sends a canned answer. */
export function sendCanned(res: ServerResponse, failWith: LocalZoneFailWith): void {
  const { status, body, contentType } = failWith;
  let payload = '';
  let type = contentType;
  if (typeof body === 'string') {
    payload = body;
    type ??= 'text/plain; charset=utf-8';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    type ??= 'application/json';
  }
  res.statusCode = status;
  if (type) res.setHeader('content-type', type);
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.setHeader('cache-control', 'no-store');
  res.end(payload);
}
