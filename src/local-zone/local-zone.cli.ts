#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { LocalZone } from './local-zone.js';
import {
  DEFAULT_CLI_PORT,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_PUBLIC_CLIENT_ID,
  DEMO_REDIRECT_URIS,
} from './local-zone.constants.js';
import { LocalZoneError } from './local-zone.error.js';
import type { LocalZoneTokenStyle } from './local-zone-options.interface.js';

const USAGE = `Usage: nestjs-keycard-zone [--port <n>] [--token-style resource|keycard] [--sub <subject>]
       (in this repository: npm run zone -- [options])

Starts a LocalZone (a local OAuth authorization server standing in for a Keycard zone)
on 127.0.0.1. Defaults: port ${DEFAULT_CLI_PORT}, token style "resource", user "local-user".
`;

interface Output {
  write(text: string): unknown;
}

/** Parses the CLI arguments into `LocalZone.start()` options; throws `LocalZoneError` on bad input. */
export function parseLocalZoneCliArgs(argv: readonly string[]): {
  help: boolean;
  port: number;
  tokenStyle: LocalZoneTokenStyle;
  sub?: string;
} {
  let values: { port?: string; 'token-style'?: string; sub?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        port: { type: 'string', short: 'p' },
        'token-style': { type: 'string' },
        sub: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (err) {
    throw new LocalZoneError(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  const port = values.port === undefined ? DEFAULT_CLI_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new LocalZoneError(`--port must be an integer from 0 to 65535 (got ${values.port})`);
  }
  const tokenStyle = values['token-style'] ?? 'resource';
  if (tokenStyle !== 'resource' && tokenStyle !== 'keycard') {
    throw new LocalZoneError(`--token-style must be "resource" or "keycard" (got ${tokenStyle})`);
  }
  return { help: values.help ?? false, port, tokenStyle, sub: values.sub };
}

/** The banner the CLI prints once the zone listens. */
export function describeLocalZone(zone: LocalZone): string {
  const redirects = DEMO_REDIRECT_URIS.join(', ');
  return [
    `LocalZone listening at ${zone.zoneUrl}`,
    '',
    `  zone URL / issuer   ${zone.zoneUrl}`,
    `  metadata (RFC 8414) ${zone.metadataUrl}`,
    `  token endpoint      ${zone.tokenEndpoint}`,
    `  JWKS                ${zone.jwksUri}`,
    `  registration        ${zone.registrationEndpoint} (open dynamic client registration)`,
    `  token style         ${zone.tokenStyle}`,
    `  development user    ${zone.user.sub} (signed in automatically, no login page)`,
    '',
    'Demo clients:',
    `  ${DEMO_CLIENT_ID} / ${DEMO_CLIENT_SECRET}`,
    '      confidential (client_secret_basic or client_secret_post): client_credentials,',
    '      token exchange (RFC 8693), authorization_code + PKCE, refresh_token',
    `  ${DEMO_PUBLIC_CLIENT_ID}`,
    '      public (none): authorization_code + PKCE, refresh_token',
    `  redirect URIs (any loopback port): ${redirects}`,
    '',
    `Point nestjs-keycard at it: KEYCARD_ZONE_URL=${zone.zoneUrl} KEYCARD_CLIENT_ID=${DEMO_CLIENT_ID} KEYCARD_CLIENT_SECRET=${DEMO_CLIENT_SECRET}`,
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** Starts the zone described by `argv` and prints its banner; resolves with the zone (undefined for --help). */
export async function runLocalZoneCli(argv: readonly string[], out: Output = process.stdout): Promise<LocalZone | undefined> {
  const args = parseLocalZoneCliArgs(argv);
  if (args.help) {
    out.write(USAGE);
    return undefined;
  }
  const zone = await LocalZone.start({
    port: args.port,
    tokenStyle: args.tokenStyle,
    ...(args.sub ? { user: { sub: args.sub } } : {}),
  });
  out.write(describeLocalZone(zone));
  return zone;
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

if (isEntryPoint()) {
  runLocalZoneCli(process.argv.slice(2)).then(
    (zone) => {
      if (!zone) return;
      const shutdown = (): void => {
        zone.stop().then(
          () => process.stdout.write('LocalZone stopped.\n'),
          (err: unknown) => {
            process.stderr.write(`LocalZone failed to stop: ${String(err)}\n`);
            process.exitCode = 1;
          },
        );
      };
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
