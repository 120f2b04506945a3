import { Injectable } from '@nestjs/common';
import { InjectKeycardConfig } from '../config/inject-keycard-config.decorator.js';
import type { KeycardConfig, KeycardJwtAlgorithm, KeycardResourceConfig } from '../config/keycard-options.interface.js';
import { withoutTrailingSlash } from '../config/zone-url.js';
import { getRequestPath, type KeycardHttpRequest } from './http-request.util.js';
import { JwksKeyStore, type ZoneSigningKey } from './jwks-key-store.js';
import type { KeycardUser } from './keycard-user.interface.js';
import { checkClaims, readScopes } from './token-claims.js';
import { TokenRejectedError } from './token-verification.errors.js';

/** Every algorithm the library can verify; the configured allow-list is a subset. */
export const ASYMMETRIC_ALGORITHMS: readonly KeycardJwtAlgorithm[] = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512',
]);

interface ResourceMatcher {
  readonly resource: KeycardResourceConfig;
  readonly path: string;
  readonly url: string;
}

const SLASH = 0x2f;

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** Whether a key can verify signatures of this algorithm (RSA for RS/PS, the right EC curve for ES). */
function keyFitsAlgorithm(key: ZoneSigningKey, alg: string): boolean {
  if (key.alg !== undefined && key.alg !== alg) return false;
  const type = key.key.asymmetricKeyType;
  if (alg.startsWith('RS')) return type === 'rsa';
  if (alg.startsWith('PS')) return type === 'rsa' || type === 'rsa-pss';
  if (alg.startsWith('ES')) return type === 'ec' && key.key.asymmetricKeyDetails?.namedCurve === EC_CURVES[alg];
  return false;
}

function fitting(key: ZoneSigningKey, alg: string): ZoneSigningKey {
  if (!keyFitsAlgorithm(key, alg)) throw new TokenRejectedError("the token's algorithm does not match the type of its signing key");
  return key;
}

/** Decodes the protected header of a compact JWS; rejects anything that is not a JSON object. */
function decodeJwtHeader(token: string): Record<string, unknown> {
  const encoded = token.split('.', 1)[0] ?? '';
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch (error) {
    throw new TokenRejectedError('the token header is not valid JSON', { cause: error });
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new TokenRejectedError('the token header is not a JSON object');
  }
  return header as Record<string, unknown>;
}

/**
 * The checks of an inbound access token that depend on this module's configuration:
 * which key and algorithm may verify it (before the signature is checked) and what its
 * claims must say (after). Used by `KeycardJwtStrategy`, which does the passport part.
 */
@Injectable()
export class KeycardTokenVerifier {
  /** Each configured resource with its URL path and URL, trailing slash removed (worked out once). */
  private readonly resourceMatchers: readonly ResourceMatcher[];

  constructor(
    @InjectKeycardConfig() readonly config: KeycardConfig,
    private readonly keys: JwksKeyStore,
  ) {
    this.resourceMatchers = config.resources.map((resource) => ({
      resource,
      path: withoutTrailingSlash(new URL(resource.resourceUrl).pathname),
      url: withoutTrailingSlash(resource.resourceUrl),
    }));
  }

  /**
   * The public key (PEM) to verify this token's signature with. Rejects tokens whose `alg`
   * is not in `config.algorithms` (so `none` and HMAC always), with critical header
   * extensions, or whose key does not fit the algorithm; unknown `kid`s are looked up in a
   * refreshed key set first.
   */
  async getVerificationKey(token: string): Promise<string> {
    return (await this.getSigningKey(token)).pem;
  }

  /** `getVerificationKey` with the whole key: its PEM and its parsed `KeyObject` (what jsonwebtoken verifies with). */
  async getSigningKey(token: string): Promise<ZoneSigningKey> {
    const { alg, kid } = this.checkHeader(token);
    return fitting(await this.keys.getKey(kid), alg);
  }

  /**
   * After this token's signature failed with `usedPem`: whether the zone may have re-keyed
   * its `kid` and the key store now holds another key for it (then verify again). Refetches
   * at most once per refetch interval (see `JwksKeyStore.refetchAfterBadSignature`); rejects
   * with `AuthorizationServerUnavailableError` when that refetch is due but fails.
   */
  async refetchAfterBadSignature(token: string, usedPem: string): Promise<boolean> {
    return this.keys.refetchAfterBadSignature(this.checkHeader(token).kid, usedPem);
  }

  /**
   * `getVerificationKey` without waiting, when the key store can answer from a fresh key set;
   * `undefined` when it would have to fetch (then call `getVerificationKey`). Throws
   * `TokenRejectedError` as `getVerificationKey` rejects.
   */
  peekVerificationKey(token: string): string | undefined {
    const { alg, kid } = this.checkHeader(token);
    const key = this.keys.peekKey(kid);
    return key === undefined ? undefined : fitting(key, alg).pem;
  }

  /** The `alg` and `kid` of a token whose header passes the checks that do not need a key. */
  private checkHeader(token: string): { alg: string; kid: string | undefined } {
    const header = decodeJwtHeader(token);
    const { alg, kid } = header;
    if (typeof alg !== 'string' || !(this.config.algorithms as readonly string[]).includes(alg)) {
      throw new TokenRejectedError('the token is signed with an algorithm that is not allowed');
    }
    if (header.crit !== undefined) throw new TokenRejectedError('the token has critical header parameters that are not supported');
    if (kid !== undefined && typeof kid !== 'string') throw new TokenRejectedError('the token has an invalid key id (kid)');
    return { alg, kid };
  }

  /**
   * Checks the claims of a token whose signature is valid and builds the user. The audience
   * must fit the MCP endpoint the request hits (`resourceForRequest`): a token for another
   * endpoint of this server is rejected.
   */
  createUser(payload: unknown, token: string, request: KeycardHttpRequest): KeycardUser {
    const endpoint = this.resourceForRequest(request);
    const { claims, audience } = checkClaims(payload, this.config, Math.floor(Date.now() / 1000), endpoint);
    const clientId = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : undefined;
    return {
      sub: claims.sub,
      clientId,
      scopes: readScopes(claims),
      claims,
      token,
      expiresAt: claims.exp,
      resource: audience.resourceUrl,
    };
  }

  /**
   * The configured resource whose URL path is the request's path or its longest prefix
   * (`/mcp` for `/mcp` and `/mcp/messages`); the first resource when none matches.
   */
  resourceForRequest(request: KeycardHttpRequest): KeycardResourceConfig {
    const path = withoutTrailingSlash(getRequestPath(request));
    let best: { resource: KeycardResourceConfig; length: number } | undefined;
    for (const { resource, path: resourcePath } of this.resourceMatchers) {
      const matches = path === resourcePath || (path.startsWith(resourcePath) && path.charCodeAt(resourcePath.length) === SLASH);
      if (matches && (!best || resourcePath.length > best.length)) best = { resource, length: resourcePath.length };
    }
    return best?.resource ?? this.config.resources[0]!;
  }

  /** The configured resource with this URL (trailing slash ignored). */
  resourceByUrl(url: string): KeycardResourceConfig | undefined {
    const wanted = withoutTrailingSlash(url);
    return this.resourceMatchers.find((matcher) => matcher.url === wanted)?.resource;
  }
}
