import { randomBytes } from 'node:crypto';

import { TOKEN_EXCHANGE_GRANT_TYPE } from './local-zone.constants.js';
import type { LocalZoneClientMetadata } from './local-zone-client.interface.js';

const SECRET_AUTH_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);

/** A random secret suitable for client secrets and cookie keys. */
export function randomSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** Fills in the documented defaults of `registerClient()` metadata. */
export function withClientDefaults(input: LocalZoneClientMetadata): LocalZoneClientMetadata & { client_id: string } {
  const metadata: LocalZoneClientMetadata = { ...input };
  const clientId = metadata.client_id ?? `client-${randomBytes(8).toString('hex')}`;
  const method = metadata.token_endpoint_auth_method ?? 'client_secret_basic';
  const confidential = method !== 'none';
  const hasRedirects = (metadata.redirect_uris?.length ?? 0) > 0;

  const grantTypes = [
    ...(hasRedirects ? ['authorization_code', 'refresh_token'] : []),
    ...(confidential ? ['client_credentials'] : []),
    TOKEN_EXCHANGE_GRANT_TYPE,
  ];

  return {
    ...metadata,
    client_id: clientId,
    token_endpoint_auth_method: method,
    ...(SECRET_AUTH_METHODS.has(method) ? { client_secret: metadata.client_secret ?? randomSecret() } : {}),
    grant_types: metadata.grant_types ?? grantTypes,
    response_types: metadata.response_types ?? (hasRedirects ? ['code'] : []),
    redirect_uris: metadata.redirect_uris ?? [],
  };
}
