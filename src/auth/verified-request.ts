import type { KeycardResourceConfig } from '../config/keycard-options.interface.js';
import { MCP_NEST_RESOURCE_METADATA_URL } from './auth.constants.js';
import type { KeycardTokenVerifier } from './keycard-token.verifier.js';
import type { KeycardAuthInfo, KeycardUser } from './keycard-user.interface.js';

/**
 * What the guard writes on a request: the properties DESIGN §3 names, nothing more. (Each new
 * property costs: Express gives every request its own hidden class by swapping its prototype,
 * so a store of a new property there takes µs, not ns. `req.auth` doubles as the mark of a
 * verified request.)
 */
interface VerifiedRequest {
  user?: unknown;
  auth?: unknown;
  [MCP_NEST_RESOURCE_METADATA_URL]?: string;
}

/**
 * `req.auth`: the MCP SDK `AuthInfo` of a verified request. `resource` (a `URL`, which a
 * handler could change, so never shared between requests) is made when first read.
 */
class VerifiedAuthInfo implements KeycardAuthInfo {
  readonly token: string;
  readonly clientId: string;
  readonly scopes: string[];
  readonly expiresAt: number;
  readonly resourceMetadataUrl: string;
  readonly extra: NonNullable<KeycardAuthInfo['extra']>;
  readonly #resourceUrl: string;
  #resource: URL | undefined;
  readonly #verifier: KeycardTokenVerifier;
  readonly #user: KeycardUser;

  constructor(user: KeycardUser, extra: NonNullable<KeycardAuthInfo['extra']>, resource: KeycardResourceConfig, verifier: KeycardTokenVerifier) {
    this.token = user.token;
    this.clientId = user.clientId ?? '';
    this.scopes = [...user.scopes];
    this.expiresAt = user.expiresAt;
    this.resourceMetadataUrl = resource.metadataUrl;
    this.extra = extra;
    this.#resourceUrl = resource.resourceUrl;
    this.#verifier = verifier;
    this.#user = user;
  }

  get resource(): URL {
    return (this.#resource ??= new URL(this.#resourceUrl));
  }

  set resource(value: URL) {
    this.#resource = value;
  }

  /** The user `verifier` admitted, when it is the one that wrote this. */
  userVerifiedBy(verifier: KeycardTokenVerifier): KeycardUser | undefined {
    return this.#verifier === verifier ? this.#user : undefined;
  }
}

/** The user this verifier (this module's guard) already verified on this request, if any (the HTTP request of an MCP message, seen again by a tool's guard). */
export function findVerifiedUser(request: object, verifier: KeycardTokenVerifier): KeycardUser | undefined {
  const auth = (request as VerifiedRequest).auth;
  return auth instanceof VerifiedAuthInfo ? auth.userVerifiedBy(verifier) : undefined;
}

/**
 * Writes `req.user`, `req.auth` (MCP SDK `AuthInfo`) and MCP-Nest's metadata-URL slot, as
 * plain property stores (the same ones, in the same order, on every request); on `raw` too
 * (the Node request below a Fastify one).
 */
export function attachVerifiedUser(
  request: object,
  raw: object | undefined,
  user: KeycardUser,
  extra: NonNullable<KeycardAuthInfo['extra']>,
  resource: KeycardResourceConfig,
  verifier: KeycardTokenVerifier,
): void {
  const auth = new VerifiedAuthInfo(user, extra, resource, verifier);
  write(request as VerifiedRequest, user, auth);
  if (raw !== undefined && raw !== request) write(raw as VerifiedRequest, user, auth);
}

function write(target: VerifiedRequest, user: KeycardUser, auth: VerifiedAuthInfo): void {
  target.user = user;
  target.auth = auth;
  target[MCP_NEST_RESOURCE_METADATA_URL] = auth.resourceMetadataUrl;
}
