import type { KeycardResourceConfig } from '../config/keycard-options.interface.js';
import { MCP_NEST_RESOURCE_METADATA_URL } from './auth.constants.js';
import type { KeycardTokenVerifier } from './keycard-token.verifier.js';
import type { KeycardAuthInfo, KeycardUser } from './keycard-user.interface.js';

/** Request slot: which verifier (which module's guard) verified the request, and the user it admitted. */
const VERIFIED = Symbol('nestjs-keycard:verified');

/** What the guard writes on a request: the properties DESIGN §3 names, plus the verified mark. */
interface VerifiedRequest {
  user?: unknown;
  auth?: unknown;
  [MCP_NEST_RESOURCE_METADATA_URL]?: string;
  [VERIFIED]?: { readonly verifier: KeycardTokenVerifier; readonly user: KeycardUser };
}

/** The user this verifier (this module's guard) already verified on this request, if any (the HTTP request of an MCP message, seen again by a tool's guard). */
export function findVerifiedUser(request: object, verifier: KeycardTokenVerifier): KeycardUser | undefined {
  const known = (request as VerifiedRequest)[VERIFIED];
  return known !== undefined && known.verifier === verifier ? known.user : undefined;
}

/**
 * Writes `req.user`, `req.auth` (MCP SDK `AuthInfo`), MCP-Nest's metadata-URL slot and the
 * verified mark, as plain property stores (the same ones, in the same order, on every
 * request); on `raw` too (the Node request below a Fastify one).
 */
export function attachVerifiedUser(
  request: object,
  raw: object | undefined,
  user: KeycardUser,
  extra: NonNullable<KeycardAuthInfo['extra']>,
  resource: KeycardResourceConfig,
  verifier: KeycardTokenVerifier,
): void {
  const auth = authInfoOf(user, extra, resource);
  const mark = { verifier, user };
  write(request as VerifiedRequest, user, auth, resource.metadataUrl, mark);
  if (raw !== undefined && raw !== request) write(raw as VerifiedRequest, user, auth, resource.metadataUrl, mark);
}

function write(target: VerifiedRequest, user: KeycardUser, auth: KeycardAuthInfo, metadataUrl: string, mark: NonNullable<VerifiedRequest[typeof VERIFIED]>): void {
  target.user = user;
  target.auth = auth;
  target[MCP_NEST_RESOURCE_METADATA_URL] = metadataUrl;
  target[VERIFIED] = mark;
}

/** `req.auth`; `resource` (a `URL`, which a handler could change) is made when first read, for this request only. */
function authInfoOf(user: KeycardUser, extra: NonNullable<KeycardAuthInfo['extra']>, resource: KeycardResourceConfig): KeycardAuthInfo {
  let url: URL | undefined;
  return {
    token: user.token,
    clientId: user.clientId ?? '',
    scopes: [...user.scopes],
    expiresAt: user.expiresAt,
    get resource(): URL {
      return (url ??= new URL(resource.resourceUrl));
    },
    set resource(value: URL) {
      url = value;
    },
    resourceMetadataUrl: resource.metadataUrl,
    extra,
  };
}
