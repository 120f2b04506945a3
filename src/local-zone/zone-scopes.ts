import { OIDC_SCOPES } from './local-zone.constants.js';

const OIDC = new Set(OIDC_SCOPES);

/** Splits a space-separated scope string. */
export function splitScope(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/**
 * The resource scopes a zone knows. Closed when `LocalZone.start({ scopes })` lists them;
 * open otherwise: any scope a client asks for is learned.
 */
export class ZoneScopes {
  private readonly known: Set<string>;
  /** Scopes the current oidc-provider instance was built with. */
  private published = new Set<string>();
  readonly open: boolean;

  constructor(initial: readonly string[] | undefined) {
    this.open = initial === undefined;
    this.known = new Set((initial ?? []).filter((s) => !OIDC.has(s)));
  }

  /** Every scope oidc-provider should know (OpenID ones plus the resource scopes); noted as published. */
  providerScopes(): string[] {
    const all = [...OIDC_SCOPES, ...this.known];
    this.published = new Set(all);
    return all;
  }

  /**
   * Learns new scopes when open. True when the oidc-provider instance does not know all
   * of these (known) scopes yet and must be rebuilt before a client registers with them.
   */
  learn(scopes: Iterable<string>): boolean {
    let stale = false;
    for (const scope of scopes) {
      if (!scope || OIDC.has(scope)) continue;
      if (this.open) this.known.add(scope);
      if (this.known.has(scope) && !this.published.has(scope)) stale = true;
    }
    return stale;
  }

  /** Resource scopes a client may be granted (limited by its registered `scope`, if any). */
  forClient(clientScope: string | undefined): string[] {
    const all = [...this.known];
    if (clientScope === undefined) return all;
    const allowed = new Set(splitScope(clientScope));
    return all.filter((s) => allowed.has(s));
  }

  /** The requested scopes this zone does not know (never any when open: it learns them). */
  unknown(requested: readonly string[]): string[] {
    if (this.open) return [];
    return requested.filter((s) => !OIDC.has(s) && !this.known.has(s));
  }

  /** The first requested scope the client may not ask for, if any. */
  firstDisallowed(requested: readonly string[], clientScope: string | undefined): string | undefined {
    if (clientScope !== undefined) {
      const allowed = new Set(splitScope(clientScope));
      return requested.find((s) => !allowed.has(s));
    }
    if (this.open) return undefined;
    return requested.find((s) => !this.known.has(s));
  }
}
