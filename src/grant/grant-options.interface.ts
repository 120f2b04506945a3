import type { GrantScopes } from './token-exchange.service.js';

/** Options of `@Grant(resources, options)` and `withGrant(resources, handler, options)`. */
export interface GrantOptions {
  /**
   * Scopes to ask for: one string (space-separated) or list for every resource, or a map
   * resource → scopes. Sent as the `scope` field of each exchange.
   * @default none (the zone decides)
   */
  readonly scopes?: GrantScopes;
}

/** What `@Grant()` records on a handler or class. */
export interface GrantMetadata {
  readonly resources: readonly string[];
  readonly scopes?: GrantScopes;
}
