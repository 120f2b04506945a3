import type { IncomingHttpHeaders } from 'node:http';

import { fieldValue, type FormFields } from './form-body.js';
import type { LocalZoneClientAuthMethod } from './local-zone-records.interface.js';
import { decodeUnverified } from './zone-jwt.js';

/** The client authentication a token request presents, as far as it can be told without verifying it. */
export interface PresentedClientAuth {
  readonly method: LocalZoneClientAuthMethod;
  readonly clientId?: string;
}

function decodeFormComponent(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch (err) {
    if (err instanceof URIError) return undefined;
    throw err;
  }
}

function basicClientId(header: string): string | undefined {
  const [scheme, credentials] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== 'basic' || !credentials) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decodeFormComponent(decoded.slice(0, colon));
}

function assertionDetails(assertion: string): { alg?: string; sub?: string } {
  const decoded = decodeUnverified(assertion);
  if (!decoded) return {};
  const { header, payload } = decoded;
  return {
    alg: typeof header.alg === 'string' ? header.alg : undefined,
    sub: typeof payload.sub === 'string' ? payload.sub : undefined,
  };
}

/** Tells which client authentication method a token request uses and which client it claims to be. */
export function inspectClientAuth(headers: IncomingHttpHeaders, form: FormFields): PresentedClientAuth {
  const formClientId = fieldValue(form, 'client_id');
  if (headers.authorization !== undefined) {
    return { method: 'client_secret_basic', clientId: basicClientId(headers.authorization) ?? formClientId };
  }
  const assertion = fieldValue(form, 'client_assertion');
  if (assertion !== undefined) {
    const { alg, sub } = assertionDetails(assertion);
    return { method: alg?.startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt', clientId: formClientId ?? sub };
  }
  if (fieldValue(form, 'client_secret') !== undefined) {
    return { method: 'client_secret_post', clientId: formClientId };
  }
  return { method: 'none', clientId: formClientId };
}
