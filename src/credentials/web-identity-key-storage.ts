/** The public half of a WebIdentity key, as published at `/.well-known/jwks.json`. */
export type WebIdentityPublicJwk = {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
};

/** A WebIdentity RSA key pair: the private key as PKCS#8 PEM and the public key as a JWK. */
export interface WebIdentityKeyPair {
  readonly privateKeyPem: string;
  readonly publicJwk: WebIdentityPublicJwk;
}

/**
 * The keys of a storage that rotates: the pair to sign with now, and every public key to
 * publish (the signing key's, a previous key during its grace period, a next key before it
 * takes over), so assertions signed by any replica verify while replicas roll.
 */
export interface WebIdentityKeySet {
  readonly signing: WebIdentityKeyPair;
  /** Published at `/.well-known/jwks.json`; includes `signing.publicJwk`. */
  readonly published: readonly WebIdentityPublicJwk[];
}

/**
 * Where WebIdentity keeps its key pair. Also the DI token of that pluggable part; the
 * default is `FileKeyStorage` (a directory on disk). `MountedKeyStorage` reads a key from
 * a mounted secret; `RedisKeyStorage` shares one between replicas through Redis.
 *
 * An implementation must be safe when several processes start at once with the same
 * storage: all of them have to end up with the same key pair.
 */
export abstract class WebIdentityKeyStorage {
  /**
   * How often (ms) WebIdentity reads the key set again, to follow a rotation made by another
   * replica or by the operator; `undefined` for a storage whose key never changes.
   */
  readonly refreshIntervalMs: number | undefined = undefined;

  /**
   * Returns the stored key pair for `kid`; when there is none, stores the one `generate`
   * returns, unless another process stored one first, and returns whichever was stored.
   * Throws `KeycardCredentialError` when the storage cannot be used or holds a broken key.
   */
  abstract loadOrCreate(kid: string, generate: () => Promise<WebIdentityKeyPair>): Promise<WebIdentityKeyPair>;

  /**
   * The signing key and the published keys. The default, for storages that keep one key:
   * the pair of `loadOrCreate`, published alone. Rotating storages override it.
   */
  async loadKeySet(kid: string, generate: () => Promise<WebIdentityKeyPair>): Promise<WebIdentityKeySet> {
    const pair = await this.loadOrCreate(kid, generate);
    return { signing: pair, published: [pair.publicJwk] };
  }

  /** Where the keys are, for error messages and logs (never key material). */
  abstract describe(): string;
}
