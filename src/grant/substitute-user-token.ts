/** Keycard's RFC 8693 subject token type for impersonation. */
export const SUBSTITUTE_USER_TOKEN_TYPE = 'urn:keycard:params:oauth:token-type:substitute-user';

/** Header of a substitute-user token: Keycard's `typ`, no signature (the client credential is the proof). */
const HEADER = Buffer.from(JSON.stringify({ typ: 'vnd.kc.su+jwt', alg: 'none' })).toString('base64url');

/**
 * The subject token of an impersonated exchange: an unsigned JWT naming the user,
 * `base64url({"typ":"vnd.kc.su+jwt","alg":"none"}).base64url({"sub": userId}).` (empty
 * signature). It proves nothing by itself: the zone accepts it only from an authenticated
 * application its policy allows to act for users.
 */
export function substituteUserToken(userId: string): string {
  return `${HEADER}.${Buffer.from(JSON.stringify({ sub: userId })).toString('base64url')}.`;
}
