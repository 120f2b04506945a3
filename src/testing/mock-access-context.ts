import { AccessContext } from '../grant/access-context.js';
import type { TokenResponse } from '../grant/token-response.interface.js';
import { DEFAULT_MOCK_ACCESS_TOKEN, DEFAULT_MOCK_ERROR_MESSAGE } from './testing.constants.js';

/**
 * The four scenarios of the testing kit, as `mockAccessContext()` and `mockGrants()` take them:
 * - `{}`: every requested resource gets `test_access_token`;
 * - `{ accessToken }`: every requested resource gets that token;
 * - `{ resourceTokens }`: each resource gets its own token; a requested resource missing
 *   from the map fails like a refused exchange (a resource error; `access()` throws);
 * - `{ hasErrors: true, errorMessage? }`: the whole grant fails (a global error; `access()` throws).
 *
 * No exchange, no network: the result is built in memory.
 */
export interface MockAccessOptions {
  /**
   * The token every requested resource gets. Not combinable with `resourceTokens`.
   * @default 'test_access_token'
   */
  readonly accessToken?: string;
  /**
   * A token per resource URL. A requested resource not in the map is recorded as a failed
   * exchange (`Token exchange failed for <resource>`, code `invalid_target`).
   * @default none (every resource gets `accessToken`)
   */
  readonly resourceTokens?: Readonly<Record<string, string>>;
  /**
   * Makes the grant fail as a whole: the context gets a global error and no token.
   * @default false
   */
  readonly hasErrors?: boolean;
  /**
   * Message of that global error; only with `hasErrors: true`.
   * @default 'mock token exchange failure'
   */
  readonly errorMessage?: string;
}

/** Options of `mockAccessContext()`: a scenario, and the resources the handler asked for. */
export interface MockAccessContextOptions extends MockAccessOptions {
  /**
   * The resources the handler asked for (what its `@Grant(...)` lists); each one gets a token
   * or an error as the scenario says. `mockGrants()` fills this from the real `@Grant` call.
   * A resource asked for later with `access()` but not listed here throws `missing_token`,
   * as it does at runtime.
   * @default none listed: `access()` answers any resource (see `mockAccessContext`)
   */
  readonly resources?: string | readonly string[];
}

/** Throws a `TypeError` for combinations that have no meaning, so a test never runs another scenario than the one written. */
export function checkMockAccessOptions(options: MockAccessOptions): void {
  if (options.accessToken !== undefined && options.resourceTokens !== undefined) {
    throw new TypeError('mockAccessContext: pass `accessToken` (one token for every resource) or `resourceTokens` (a token per resource), not both.');
  }
  if (options.errorMessage !== undefined && options.hasErrors !== true) {
    throw new TypeError('mockAccessContext: `errorMessage` is the message of the error scenario; add `hasErrors: true`.');
  }
  if (options.accessToken === '') {
    throw new TypeError('mockAccessContext: `accessToken` must not be empty.');
  }
}

/**
 * The context `mockAccessContext()` returns when no `resources` are listed: like the seed's
 * `mock_access_context`, it answers whatever resource the code under test asks for. In the
 * default and custom-token scenarios any resource gets the token; with `resourceTokens`, a
 * resource missing from the map is recorded as a failed exchange (so `hasErrors()` and
 * `getErrors()` report it) and `access()` throws `resource_error`.
 */
class AnyResourceAccessContext extends AccessContext {
  constructor(private readonly tokenFor: (resource: string) => string | undefined) {
    super();
  }

  override access(resource: string): TokenResponse {
    const known = this.hasError() || this.hasResourceError(resource) || this.getSuccessfulResources().includes(resource);
    if (!known) record(this, resource, this.tokenFor(resource));
    return super.access(resource);
  }
}

function record(context: AccessContext, resource: string, token: string | undefined): void {
  if (token === undefined) {
    context.setResourceError(resource, {
      message: `Token exchange failed for ${resource}`,
      code: 'invalid_target',
      description: 'mockAccessContext: this resource is not in `resourceTokens`',
    });
  } else {
    context.setToken(resource, { accessToken: token, tokenType: 'Bearer' });
  }
}

/**
 * A real `AccessContext` (the class handlers get at runtime) for one of the four scenarios,
 * built in memory. Use it to call a handler directly in a unit test; to have `@Grant` and
 * `withGrant` produce it inside a running app, install `mockGrants()` instead.
 *
 * Without `resources` it behaves as the Python package's `mock_access_context`: `access()`
 * answers any resource (with `resourceTokens`, a resource not in the map throws and is
 * recorded as a resource error). With `resources`, only those were requested, as at runtime.
 *
 * ```ts
 * mockAccessContext().access('https://api.example.com').accessToken; // 'test_access_token'
 * ```
 */
export function mockAccessContext(options: MockAccessContextOptions = {}): AccessContext {
  checkMockAccessOptions(options);
  const { accessToken = DEFAULT_MOCK_ACCESS_TOKEN, resourceTokens, hasErrors = false, errorMessage = DEFAULT_MOCK_ERROR_MESSAGE } = options;
  const tokenFor = (resource: string): string | undefined =>
    resourceTokens === undefined ? accessToken : Object.hasOwn(resourceTokens, resource) ? resourceTokens[resource] : undefined;
  const resources =
    options.resources === undefined
      ? Object.keys(resourceTokens ?? {})
      : typeof options.resources === 'string'
        ? [options.resources]
        : [...options.resources];

  const context = options.resources === undefined ? new AnyResourceAccessContext(tokenFor) : new AccessContext();
  if (hasErrors) {
    context.setError({ message: errorMessage });
    return context;
  }
  for (const resource of new Set(resources)) record(context, resource, tokenFor(resource));
  return context;
}
