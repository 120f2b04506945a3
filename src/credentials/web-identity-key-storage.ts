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
 * Where WebIdentity keeps its key pair. Also the DI token of that pluggable part; the
 * default is `FileKeyStorage` (a directory on disk).
 *
 * An implementation must be safe when several processes start at once with the same
 * storage: all of them have to end up with the same key pair.
 */
export abstract class WebIdentityKeyStorage {
  /**
   * Returns the stored key pair for `kid`; when there is none, stores the one `generate`
   * returns, unless another process stored one first, and returns whichever was stored.
   * Throws `KeycardCredentialError` when the storage cannot be used or holds a broken key.
   */
  abstract loadOrCreate(kid: string, generate: () => Promise<WebIdentityKeyPair>): Promise<WebIdentityKeyPair>;

  /** Where the keys are, for error messages and logs (never key material). */
  abstract describe(): string;
}
