import { CLIENT_METADATA_DOCUMENT_TTL_MS, ClientMetadataDocumentError, fetchClientMetadataDocument } from './client-metadata-document.js';
import type { LocalZoneClientMetadata } from './local-zone-client.interface.js';
import { LocalZoneError } from './local-zone.error.js';
import type { MemoryStore } from './memory-store.adapter.js';
import { splitScope, type ZoneScopes } from './zone-scopes.js';

export interface ClientConsentDeps {
  readonly store: MemoryStore;
  readonly scopes: ZoneScopes;
  /** Makes scopes known to oidc-provider (rebuilds it when an open zone learns new ones). */
  readonly learnScopes: (scopes: readonly string[]) => void;
  /** `LocalZone.registerClient`: validates and stores a client. */
  readonly registerClient: (metadata: LocalZoneClientMetadata) => Promise<unknown>;
}

/**
 * How the zone answers what a client asks for before a user consents: the scopes of an
 * authorization request, and a client named by the URL of its metadata document.
 */
export class ClientConsentPolicy {
  /** When each Client ID Metadata Document client was last fetched (ms since epoch). */
  private readonly documentClients = new Map<string, number>();

  constructor(private readonly deps: ClientConsentDeps) {}

  /**
   * The scopes of an authorization request: an open zone learns them; a closed zone refuses
   * (returns) the ones it does not know. A known scope is granted even beyond the client's
   * registered `scope`, which grows to include it: MCP clients register with the scope of
   * their first challenge and later step up to more (MCP 2025-11-25, step-up authorization),
   * and the user consents at each authorization.
   */
  authorizeScopes(clientId: string | undefined, scopes: readonly string[]): string[] {
    this.deps.learnScopes(scopes);
    const refused = this.deps.scopes.unknown(scopes);
    if (refused.length > 0 || clientId === undefined) return refused;
    const client = this.deps.store.get(`Client:${clientId}`);
    const registered = client?.scope;
    if (!client || typeof registered !== 'string') return [];
    const allowed = new Set(splitScope(registered));
    const extra = scopes.filter((s) => !allowed.has(s));
    if (extra.length > 0) this.deps.store.set('Client', clientId, { ...client, scope: [...allowed, ...extra].join(' ') });
    return [];
  }

  /** Registers the client a Client ID Metadata Document URL names, from that document (refetched after a minute). */
  async resolveClientDocument(clientId: string): Promise<void> {
    const fetchedAt = this.documentClients.get(clientId);
    if (fetchedAt !== undefined && Date.now() - fetchedAt < CLIENT_METADATA_DOCUMENT_TTL_MS && this.deps.store.get(`Client:${clientId}`)) return;
    const metadata = await fetchClientMetadataDocument(clientId);
    try {
      await this.deps.registerClient(metadata);
    } catch (err) {
      if (!(err instanceof LocalZoneError)) throw err;
      throw new ClientMetadataDocumentError(`the client metadata document ${clientId} is not valid client metadata: ${err.message}`, { cause: err });
    }
    this.documentClients.set(clientId, Date.now());
  }
}
