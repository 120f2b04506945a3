import { KeycardConfigurationError, KeycardCredentialError } from '../errors/keycard.error.js';
import { ApplicationCredential, type TokenEndpointRequest } from './application-credential.js';

/** A client id and its secret, as registered in one Keycard zone. */
export interface ClientSecretPair {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Zone issuer URL → the client registered in that zone. A trailing slash on the issuer is ignored. */
export type ClientSecretsByIssuer = Readonly<Record<string, ClientSecretPair>>;

const REDACTED = '[REDACTED]';

/**
 * `client_secret_basic` client authentication (RFC 6749 §2.3.1): the client id and secret,
 * each `application/x-www-form-urlencoded`, joined by `:` and sent base64-encoded in an
 * HTTP Basic `Authorization` header.
 *
 * One client for every zone: `new ClientSecret('id', 'secret')`.
 * One client per zone: `new ClientSecret({ 'https://abc.keycard.cloud': { clientId, clientSecret } })`;
 * the client is picked by the issuer of the zone the request goes to.
 *
 * The secret never appears in `toString()`, `JSON.stringify()`, `util.inspect()` or an error.
 */
export class ClientSecret extends ApplicationCredential {
  readonly kind = 'client_secret' as const;

  /** Set for a single client used with every zone. */
  readonly #single: ClientSecretPair | undefined;
  /** Normalised issuer → client, for one client per zone. */
  readonly #byIssuer: ReadonlyMap<string, ClientSecretPair>;

  constructor(clientId: string, clientSecret: string);
  constructor(clientsByIssuer: ClientSecretsByIssuer);
  constructor(idOrMap: string | ClientSecretsByIssuer, clientSecret?: string) {
    super();
    if (typeof idOrMap === 'string') {
      this.#single = checkPair({ clientId: idOrMap, clientSecret: clientSecret ?? '' }, 'ClientSecret');
      this.#byIssuer = new Map();
      return;
    }
    if (idOrMap === null || typeof idOrMap !== 'object') {
      throw new KeycardConfigurationError(
        'ClientSecret expects (clientId, clientSecret) or a map of zone issuer URL → { clientId, clientSecret }.',
      );
    }
    const byIssuer = new Map<string, ClientSecretPair>();
    for (const [issuer, pair] of Object.entries(idOrMap)) {
      const key = normaliseIssuer(issuer);
      if (key === '') {
        throw new KeycardConfigurationError('ClientSecret: a zone issuer URL in the map is empty.');
      }
      if (byIssuer.has(key)) {
        throw new KeycardConfigurationError(
          `ClientSecret: the zone issuer "${key}" appears twice in the map (a trailing slash is ignored).`,
        );
      }
      byIssuer.set(key, checkPair(pair, `ClientSecret for issuer "${key}"`));
    }
    if (byIssuer.size === 0) {
      throw new KeycardConfigurationError('ClientSecret: the map of zone issuer URL → client is empty.');
    }
    this.#single = undefined;
    this.#byIssuer = byIssuer;
  }

  /** The client id used with the given zone issuer (`undefined` when this credential has none for it). */
  clientIdFor(issuer: string): string | undefined {
    return this.#pairFor(issuer)?.clientId;
  }

  /** Zone issuers this credential has a client for (empty when one client serves every zone). */
  get issuers(): readonly string[] {
    return [...this.#byIssuer.keys()];
  }

  override async authenticate(request: TokenEndpointRequest): Promise<void> {
    const pair = this.#pairFor(request.issuer);
    if (pair === undefined) {
      throw new KeycardCredentialError(
        `ClientSecret has no client for the zone issuer "${normaliseIssuer(request.issuer)}". ` +
          `Known issuers: ${this.issuers.map((i) => `"${i}"`).join(', ')}. ` +
          'Add an entry for this zone to the ClientSecret map.',
      );
    }
    request.headers.set('Authorization', basicAuthorization(pair));
  }

  override toString(): string {
    return `ClientSecret(${this.#describe()})`;
  }

  /** A secret-free description. */
  toJSON(): Record<string, unknown> {
    if (this.#single !== undefined) {
      return { kind: this.kind, clientId: this.#single.clientId, clientSecret: REDACTED };
    }
    const clients: Record<string, { clientId: string; clientSecret: string }> = {};
    for (const [issuer, pair] of this.#byIssuer) clients[issuer] = { clientId: pair.clientId, clientSecret: REDACTED };
    return { kind: this.kind, clients };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  #pairFor(issuer: string): ClientSecretPair | undefined {
    return this.#single ?? this.#byIssuer.get(normaliseIssuer(issuer));
  }

  #describe(): string {
    if (this.#single !== undefined) return `clientId=${JSON.stringify(this.#single.clientId)}, clientSecret=${REDACTED}`;
    return [...this.#byIssuer]
      .map(([issuer, pair]) => `${issuer}: clientId=${JSON.stringify(pair.clientId)}, clientSecret=${REDACTED}`)
      .join('; ');
  }
}

/**
 * The `Authorization` header value of `client_secret_basic`: RFC 6749 §2.3.1 has the id and
 * secret encoded with `application/x-www-form-urlencoded` (Appendix B) before Basic encoding.
 */
export function basicAuthorization(pair: ClientSecretPair): string {
  const credentials = `${formUrlEncode(pair.clientId)}:${formUrlEncode(pair.clientSecret)}`;
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

/** `application/x-www-form-urlencoded` encoding of one value (space → `+`, UTF-8 percent-encoding). */
function formUrlEncode(value: string): string {
  return new URLSearchParams([['v', value]]).toString().slice('v='.length);
}

function normaliseIssuer(issuer: string): string {
  return issuer.trim().replace(/\/+$/, '');
}

function checkPair(pair: unknown, where: string): ClientSecretPair {
  const candidate = (pair ?? {}) as Partial<Record<keyof ClientSecretPair, unknown>>;
  const problems: string[] = [];
  if (typeof candidate.clientId !== 'string' || candidate.clientId.trim() === '') {
    problems.push(`${where}: the client id must be a non-empty string.`);
  }
  if (typeof candidate.clientSecret !== 'string' || candidate.clientSecret === '') {
    problems.push(`${where}: the client secret must be a non-empty string.`);
  }
  if (problems.length > 0) throw new KeycardConfigurationError(problems);
  return Object.freeze({ clientId: candidate.clientId as string, clientSecret: candidate.clientSecret as string });
}
