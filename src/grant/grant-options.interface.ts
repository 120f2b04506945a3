import type { KeycardUser } from '../auth/keycard-user.interface.js';
import type { GrantScopes } from './token-exchange.service.js';

/** What a `userIdentifier` function is given to name the user a grant acts for. */
export interface UserIdentifierContext {
  /** The HTTP request (Express or Fastify), as `KeycardAuthGuard` left it (`req.user`, `req.auth`). */
  readonly request: unknown;
  /** The verified caller (`req.user`), when `KeycardAuthGuard` ran. */
  readonly user: KeycardUser | undefined;
  /**
   * The tool's arguments: for MCP-Nest tools the validated arguments of the call, for
   * `withGrant` the handler's first parameter; `undefined` for plain HTTP routes.
   */
  readonly args: unknown;
}

/**
 * Names the user an impersonated grant acts for (the `sub` of the substitute-user token).
 * May be async; a throw, a rejection or an empty result becomes the context's global error
 * ("Failed to resolve user identifier…") and no exchange is made.
 */
export type UserIdentifierResolver = (context: UserIdentifierContext) => string | Promise<string>;

/** Options of `@Grant(resources, options)` and `withGrant(resources, handler, options)`. */
export interface GrantOptions {
  /**
   * Scopes to ask for: one string (space-separated) or list for every resource, or a map
   * resource → scopes. Sent as the `scope` field of each exchange.
   * @default none (the zone decides)
   */
  readonly scopes?: GrantScopes;
  /**
   * Impersonation: exchange on behalf of the user this function names instead of the caller.
   * The subject token becomes an unsigned substitute-user token (`{"sub": <id>}`, subject token
   * type `urn:keycard:params:oauth:token-type:substitute-user`) and the zone decides, by
   * policy, whether this application may act for that user. Needs an application credential
   * (refused at bootstrap otherwise); tokens obtained this way are cached per user identifier,
   * never shared between users.
   * @default none (the caller's own token is exchanged)
   */
  readonly userIdentifier?: UserIdentifierResolver;
}

/** What `@Grant()` records on a handler or class (several stacked grants are combined). */
export interface GrantMetadata {
  readonly resources: readonly string[];
  readonly scopes?: GrantScopes;
  readonly userIdentifier?: UserIdentifierResolver;
}

/** One grant in a list given to `withGrant`: the same shapes `@Grant(resources, options)` takes. */
export interface GrantDefinition extends GrantOptions {
  /** One resource (a URL or a URN) or a list. */
  readonly resources: string | readonly string[];
}
