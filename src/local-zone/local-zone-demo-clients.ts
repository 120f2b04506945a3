import {
  ANONYMOUS_EXCHANGE_CLIENT_ID,
  DEMO_CLIENT_ID,
  DEMO_CLIENT_SECRET,
  DEMO_PUBLIC_CLIENT_ID,
  DEMO_REDIRECT_URIS,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from './local-zone.constants.js';
import type { LocalZoneClientMetadata } from './local-zone-client.interface.js';

/** The documented demo clients every zone registers unless `demoClients: false`. */
export function demoClientMetadata(): LocalZoneClientMetadata[] {
  return [
    {
      client_id: DEMO_CLIENT_ID,
      client_secret: DEMO_CLIENT_SECRET,
      client_name: 'LocalZone demo confidential client',
      application_type: 'native',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE, 'authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [...DEMO_REDIRECT_URIS],
    },
    {
      client_id: DEMO_PUBLIC_CLIENT_ID,
      client_name: 'LocalZone demo public client',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [...DEMO_REDIRECT_URIS],
    },
  ];
}

/** Internal public client standing for callers of unauthenticated exchanges (`allowAnonymousExchange`). */
export function anonymousExchangeClientMetadata(): LocalZoneClientMetadata {
  return {
    client_id: ANONYMOUS_EXCHANGE_CLIENT_ID,
    token_endpoint_auth_method: 'none',
    grant_types: [TOKEN_EXCHANGE_GRANT_TYPE],
    response_types: [],
    redirect_uris: [],
  };
}
