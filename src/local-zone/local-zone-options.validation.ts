import { LocalZoneError } from './local-zone.error.js';
import type { LocalZoneOptions } from './local-zone-options.interface.js';

/** Checks `LocalZone.start()` options; throws one `LocalZoneError` listing every problem. */
export function validateLocalZoneOptions(options: LocalZoneOptions): void {
  const problems: string[] = [];
  const { port, tokenStyle, user, accessTokenTtlSeconds, scopes, maxExchangeRecords, substituteUserClients } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    problems.push(`port must be an integer from 0 to 65535 (got ${String(port)})`);
  }
  if (tokenStyle !== undefined && tokenStyle !== 'resource' && tokenStyle !== 'keycard') {
    problems.push(`tokenStyle must be 'resource' or 'keycard' (got ${String(tokenStyle)})`);
  }
  if (user !== undefined && (typeof user.sub !== 'string' || user.sub.length === 0)) {
    problems.push('user.sub must be a non-empty string');
  }
  if (accessTokenTtlSeconds !== undefined && !(Number.isSafeInteger(accessTokenTtlSeconds) && accessTokenTtlSeconds > 0)) {
    problems.push(`accessTokenTtlSeconds must be a positive integer (got ${String(accessTokenTtlSeconds)})`);
  }
  if (scopes !== undefined && (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)))) {
    problems.push('scopes must be a list of RFC 6749 scope tokens (no spaces, quotes or backslashes)');
  }
  if (maxExchangeRecords !== undefined && !(Number.isSafeInteger(maxExchangeRecords) && maxExchangeRecords >= 0)) {
    problems.push(`maxExchangeRecords must be a non-negative integer (got ${String(maxExchangeRecords)})`);
  }
  if (substituteUserClients !== undefined && (!Array.isArray(substituteUserClients) || substituteUserClients.some((c) => typeof c !== 'string' || c.length === 0))) {
    problems.push('substituteUserClients must be a list of client ids');
  }
  if (problems.length > 0) {
    throw new LocalZoneError(`invalid LocalZone options: ${problems.join('; ')}`);
  }
}
