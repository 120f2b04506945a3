import { isIP } from 'node:net';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const ANY_ADDRESS = new Set(['0.0.0.0', '::', '']);

/** The address a server listens on, as `net.Server#address()` reports it. */
export interface ListenAddress {
  readonly address: string;
  readonly port: number;
}

function defaultPort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === '::ffff:127.0.0.1';
}

/**
 * Why clients given `mcpBaseUrl` cannot reach a server listening at `listening`, or
 * `undefined` when they can (or when it cannot be told: a non-loopback URL may sit behind a
 * proxy that maps ports). Only loopback URLs (`localhost`, `127.0.0.1`, `[::1]`) are judged.
 */
export function listenAddressMismatch(mcpBaseUrl: string, listening: ListenAddress): string | undefined {
  const url = new URL(mcpBaseUrl);
  if (!LOOPBACK_NAMES.has(url.hostname)) return undefined;
  const port = defaultPort(url);
  const where = `${isIP(listening.address) === 6 ? `[${listening.address}]` : listening.address}:${listening.port}`;
  const base = `mcpBaseUrl (MCP_SERVER_URL) is ${url.origin}/ but this server listens on ${where}`;
  if (port !== listening.port) {
    return `${base}: clients given ${url.origin} reach nothing (or another process) on port ${port}. ` +
      `Set MCP_SERVER_URL=${url.protocol}//${url.hostname === '[::1]' ? '[::1]' : url.hostname}:${listening.port} (mcpBaseUrl), or listen on port ${port}.`;
  }
  if (ANY_ADDRESS.has(listening.address)) return undefined;
  if (!isLoopbackAddress(listening.address)) {
    return `${base}: a loopback URL cannot reach a server listening only on ${listening.address}. Listen on 127.0.0.1 (or 0.0.0.0), or set MCP_SERVER_URL to the URL clients use.`;
  }
  const wantsV6 = url.hostname === '[::1]' || url.hostname === '::1';
  const wantsV4 = url.hostname === '127.0.0.1';
  const listensV6 = isIP(listening.address) === 6 && listening.address !== '::ffff:127.0.0.1';
  if ((wantsV6 && !listensV6) || (wantsV4 && listensV6)) {
    return `${base}: ${url.hostname} and ${listening.address} are different addresses. Listen on ${wantsV6 ? '::1' : '127.0.0.1'}, or set MCP_SERVER_URL=${url.protocol}//${wantsV6 ? '127.0.0.1' : '[::1]'}:${listening.port}.`;
  }
  return undefined;
}
