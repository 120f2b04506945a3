/**
 * Child process of `npm run bench`: a LocalZone on 127.0.0.1, driven over IPC (mint
 * tokens, inject latency, count exchanges). It runs in its own process so that the
 * zone's work (token exchange = verify + sign) neither slows the app nor the load
 * generator's event loop.
 */
import { LocalZone, type LocalZoneFault, type LocalZoneFaultTarget } from '../src/local-zone/index.js';
import { serveIpc, type IpcReady } from './bench-ipc.js';

/** What `counts` answers. */
export interface ZoneCounts {
  readonly exchangeCount: number;
  /** Recorded exchanges per requested resource (the last `maxExchangeRecords`). */
  readonly byResource: Record<string, number>;
  readonly jwks: number;
  readonly discovery: number;
}

async function main(): Promise<void> {
  const zone = await LocalZone.start({ maxExchangeRecords: 1000 });

  serveIpc({
    mint: async (args) => {
      const { subs, resource } = args as { subs: string[]; resource: string };
      const tokens: string[] = [];
      for (const sub of subs) tokens.push(await zone.mintAccessToken({ sub, resource }));
      return tokens;
    },
    setFault: (args) => {
      const { target, fault } = args as { target: LocalZoneFaultTarget; fault: LocalZoneFault };
      zone.setFault(target, fault);
      return null;
    },
    clearFaults: () => {
      zone.clearFaults();
      return null;
    },
    clearRecords: () => {
      zone.clearRecords();
      return null;
    },
    counts: (): ZoneCounts => {
      const byResource: Record<string, number> = {};
      for (const record of zone.exchangeRequests) {
        for (const resource of record.resources) byResource[resource] = (byResource[resource] ?? 0) + 1;
      }
      const counts = zone.requestCounts;
      return { exchangeCount: zone.exchangeCount, byResource, jwks: counts.jwks, discovery: counts.discovery };
    },
    serverErrors: () => zone.serverErrors.length,
    stop: async () => {
      await zone.stop();
      setTimeout(() => {
        if (process.connected) process.disconnect();
      }, 20);
      return null;
    },
  });

  process.send?.({ ready: true, url: zone.zoneUrl } satisfies IpcReady);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
