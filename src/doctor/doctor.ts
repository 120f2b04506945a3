import type { DoctorCheck } from './doctor-check.js';
import { DoctorHttp } from './doctor-http.js';
import { probeServer } from './server-probes.js';
import { probeToken } from './token-probes.js';
import { probeZone } from './zone-probes.js';

/** Options of `runDoctor()`. */
export interface DoctorOptions {
  /** An access token to check against the server (`--token`). */
  readonly token?: string;
  /** Bound of each HTTP request, in ms. Default 5000. */
  readonly timeoutMs?: number;
}

/** Probes an MCP server, the zone it names and optionally a token; returns one check per line. */
export async function runDoctor(mcpUrl: string, options: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const http = new DoctorHttp(options.timeoutMs ?? 5000);
  const server = await probeServer(http, mcpUrl);
  const checks = [...server.checks];
  const zone = server.zoneUrl ? await probeZone(http, server.zoneUrl) : undefined;
  if (zone) checks.push(...zone.checks);
  if (options.token !== undefined) {
    checks.push(
      ...(await probeToken(http, options.token, {
        mcpUrl,
        resource: server.resource,
        zoneUrl: server.zoneUrl,
        issuer: zone?.issuer,
        challengeScope: server.challengeScope,
      })),
    );
  }
  return checks;
}
