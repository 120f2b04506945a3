import type { LocalZoneClientMetadata } from './local-zone-client.interface.js';
import { MAX_BODY_BYTES } from './local-zone.constants.js';

/** How long a fetched Client ID Metadata Document is trusted before it is fetched again. */
export const CLIENT_METADATA_DOCUMENT_TTL_MS = 60_000;

/** How long fetching a Client ID Metadata Document may take. */
const FETCH_TIMEOUT_MS = 5_000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A `client_id` that is not a usable Client ID Metadata Document URL, or a document that does not fit it. */
export class ClientMetadataDocumentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClientMetadataDocumentError';
  }
}

/**
 * Whether a `client_id` names a Client ID Metadata Document (MCP 2025-11-25, draft
 * "OAuth Client ID Metadata Document"): an `https` URL with a path, or — this zone runs on
 * loopback — an `http` URL on a loopback host.
 */
export function isClientMetadataDocumentUrl(clientId: string | undefined): clientId is string {
  if (clientId === undefined) return false;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return false;
  }
  if (url.pathname === '/' || url.hash || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
}

/** The body as text, refusing to read past MAX_BODY_BYTES. */
async function readBounded(response: Response, url: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.byteLength;
    // Leaving the loop cancels the stream.
    if (size > MAX_BODY_BYTES) throw new ClientMetadataDocumentError(`the client metadata document ${url} is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Fetches and checks a Client ID Metadata Document: JSON, its `client_id` equal to the URL
 * it was fetched from, no client secret (such clients are public or use `private_key_jwt`).
 * Returns the metadata to register the client with.
 */
export async function fetchClientMetadataDocument(url: string): Promise<LocalZoneClientMetadata> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (err) {
    throw new ClientMetadataDocumentError(`cannot fetch the client metadata document ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ClientMetadataDocumentError(`the client metadata document ${url} answered HTTP ${response.status}`);
  }
  const text = await readBounded(response, url);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ClientMetadataDocumentError(`the client metadata document ${url} is not JSON`, { cause: err });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ClientMetadataDocumentError(`the client metadata document ${url} is not a JSON object`);
  }
  const metadata = document as LocalZoneClientMetadata;
  if (metadata.client_id !== url) {
    throw new ClientMetadataDocumentError(`the client metadata document ${url} names client_id ${JSON.stringify(metadata.client_id)}, not its own URL`);
  }
  if (metadata.client_secret !== undefined || metadata.client_secret_expires_at !== undefined) {
    throw new ClientMetadataDocumentError(`the client metadata document ${url} must not contain a client secret`);
  }
  const method = metadata.token_endpoint_auth_method ?? 'none';
  if (method !== 'none' && method !== 'private_key_jwt') {
    throw new ClientMetadataDocumentError(`the client metadata document ${url} asks for ${method}; use none or private_key_jwt`);
  }
  return {
    ...metadata,
    token_endpoint_auth_method: method,
    grant_types: metadata.grant_types ?? ['authorization_code', 'refresh_token'],
    response_types: metadata.response_types ?? ['code'],
  };
}
