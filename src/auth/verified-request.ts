import { MCP_NEST_RESOURCE_METADATA_URL } from './auth.constants.js';
import type { KeycardHttpRequest } from './http-request.util.js';
import type { KeycardTokenVerifier } from './keycard-token.verifier.js';
import type { KeycardAuthInfo, KeycardUser } from './keycard-user.interface.js';

/** Requests already verified (the HTTP request of an MCP message, seen again by a tool's guard). */
const verifiedRequests = new WeakMap<object, { readonly verifier: KeycardTokenVerifier; readonly user: KeycardUser }>();

/** The user this verifier (this module's guard) already verified on this request, if any. */
export function findVerifiedUser(request: object, verifier: KeycardTokenVerifier): KeycardUser | undefined {
  const known = verifiedRequests.get(request);
  return known?.verifier === verifier ? known.user : undefined;
}

/**
 * Writes `req.user`, `req.auth` (MCP SDK `AuthInfo`) and MCP-Nest's metadata-URL slot, on
 * `req.raw` too (Fastify), and marks the request as verified by this verifier.
 */
export function attachVerifiedUser(request: KeycardHttpRequest, user: KeycardUser, verifier: KeycardTokenVerifier): void {
  const resource = verifier.resourceByUrl(user.resource) ?? verifier.resourceForRequest(request);
  const auth: KeycardAuthInfo = {
    token: user.token,
    clientId: user.clientId ?? '',
    scopes: [...user.scopes],
    expiresAt: user.expiresAt,
    resource: new URL(resource.resourceUrl),
    resourceMetadataUrl: resource.metadataUrl,
    extra: { sub: user.sub, claims: user.claims },
  };
  const targets: object[] = [request];
  if (typeof request.raw === 'object' && request.raw !== null && request.raw !== request) targets.push(request.raw);
  for (const target of targets) {
    Object.assign(target, { user, auth, [MCP_NEST_RESOURCE_METADATA_URL]: resource.metadataUrl });
    verifiedRequests.set(target, { verifier, user });
  }
}
