import type { InteractionDetails, OidcGrant, OidcKoaContext, OidcMiddleware, Provider } from 'oidc-provider';

import { INTERACTION_PATH_PREFIX } from './local-zone.constants.js';
import type { InteractionCookieRelay } from './interaction-cookie-relay.js';
import { splitScope } from './zone-scopes.js';

export interface DevLoginDeps {
  /** The development user's subject (a request's `login_hint` wins). */
  readonly userSub: () => string;
  readonly cookies: InteractionCookieRelay;
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v.length > 0);
  return typeof value === 'string' && value.length > 0 ? [value] : [];
}

/** Grants everything the authorization request asked for, plus whatever consent still misses. */
async function autoConsent(provider: Provider, details: InteractionDetails, accountId: string): Promise<string> {
  const clientId = String(details.params.client_id);
  const existing: OidcGrant | undefined = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
  const grant = existing ?? new provider.Grant({ accountId, clientId });

  const requested = splitScope(details.params.scope).join(' ');
  if (requested) grant.addOIDCScope(requested);
  for (const resource of asList(details.params.resource)) grant.addResourceScope(resource, requested);

  const missing = details.prompt.details;
  if (missing.missingOIDCScope?.length) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(' '));
  }
  return grant.save();
}

function errorBody(err: unknown): { error: string; error_description: string } {
  const e = err as { error?: unknown; error_description?: unknown; message?: unknown };
  return {
    error: typeof e.error === 'string' ? e.error : 'invalid_request',
    error_description: typeof e.error_description === 'string' ? e.error_description : String(e.message ?? err),
  };
}

async function completeInteraction(ctx: OidcKoaContext, provider: Provider, deps: DevLoginDeps): Promise<void> {
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    // oidc-provider's SessionNotFound & co. carry an OAuth error: answer it as JSON.
    if (!(err instanceof Error) || !('error' in err)) throw err;
    ctx.status = 400;
    ctx.body = errorBody(err);
    return;
  }
  const loginHint = asList(details.params.login_hint)[0];
  const accountId = details.session?.accountId ?? loginHint ?? deps.userSub();
  const result: Record<string, unknown> = {};
  if (details.prompt.name === 'login') result.login = { accountId };
  result.consent = { grantId: await autoConsent(provider, details, accountId) };

  const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/**
 * The automatic development login: `/interaction/<uid>` signs the development user in
 * and consents to everything requested, then redirects back to the authorization
 * endpoint, which redirects to the client with a code. No page, no form: a client that
 * follows redirects completes the authorization code flow on its own.
 */
export function devLoginMiddleware(provider: Provider, deps: DevLoginDeps): OidcMiddleware {
  return async (ctx, next) => {
    deps.cookies.inject(ctx.req, ctx.path);
    if (ctx.method === 'GET' && ctx.path.startsWith(INTERACTION_PATH_PREFIX)) {
      await completeInteraction(ctx, provider, deps);
      return;
    }
    await next();
    deps.cookies.capture(ctx.response.get('location'), ctx.response.get('set-cookie'));
    deps.cookies.forget(ctx.path);
  };
}
