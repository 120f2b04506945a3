import type { IncomingMessage, ServerResponse } from 'node:http';

import type { OidcMiddleware } from 'oidc-provider';

import { inspectClientAuth } from './client-auth.inspector.js';
import { sendCanned, type FaultInjector } from './fault-injector.js';
import {
  BodyTooLargeError,
  encodeForm,
  fieldValue,
  isFormRequest,
  parseForm,
  readBody,
  replayRequest,
  type FormFields,
} from './form-body.js';
import {
  ANONYMOUS_EXCHANGE_CLIENT_ID,
  INTERACTION_PATH_PREFIX,
  JWT_BEARER_ASSERTION_TYPE,
  ROUTES,
  TOKEN_EXCHANGE_GRANT_TYPE,
} from './local-zone.constants.js';
import type { LocalZoneFailWith } from './local-zone-fault.interface.js';
import type { LocalZoneEndpoint } from './local-zone-records.interface.js';
import type { PendingExchangeRecord, RequestRecorder } from './request-recorder.js';
import type { WorkloadIdentityRegistry } from './workload-identity.registry.js';
import { splitScope } from './zone-scopes.js';

export interface ZoneHttpFrontDeps {
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  readonly workloads: WorkloadIdentityRegistry;
  readonly allowAnonymousExchange: boolean;
  /** Hands a request to the zone's current oidc-provider instance. */
  readonly dispatch: (req: IncomingMessage, res: ServerResponse) => void;
  /** Makes scopes known before a client registers with them (open zones). */
  readonly learnScopes: (scopes: string[]) => void;
  /** The scope used for an authorization request that names none. */
  readonly defaultScopeFor: (clientId: string | undefined) => string;
}

function endpointOf(path: string): LocalZoneEndpoint | 'other' {
  if (path.startsWith('/.well-known/')) return 'discovery';
  if (path === ROUTES.jwks) return 'jwks';
  if (path === ROUTES.token) return 'token';
  if (path === ROUTES.registration || path.startsWith(`${ROUTES.registration}/`)) return 'registration';
  if (path === ROUTES.authorization || path.startsWith(`${ROUTES.authorization}/`) || path.startsWith(INTERACTION_PATH_PREFIX)) {
    return 'authorization';
  }
  return 'other';
}

function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  sendCanned(res, { status, body });
}

const oauthError = (error: string, description: string) => ({ error, error_description: description });

/** A request ready for oidc-provider, or the answer the front gives itself. */
interface Prepared {
  readonly forward: IncomingMessage;
  readonly answer?: LocalZoneFailWith;
}

/**
 * The zone's HTTP front door, in front of oidc-provider: counts requests, records
 * token-exchange requests, authenticates workload-identity assertions, applies injected
 * faults, then hands the request to oidc-provider.
 */
export class ZoneHttpFront {
  private readonly pending = new WeakMap<ServerResponse, PendingExchangeRecord>();

  constructor(private readonly deps: ZoneHttpFrontDeps) {}

  /** oidc-provider middleware noting the answer to each recorded exchange request before it is sent. */
  readonly observe: OidcMiddleware = async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      this.settle(ctx.res, 500, 'server_error');
      throw err;
    }
    const body = ctx.body as { error?: unknown } | undefined;
    this.settle(ctx.res, ctx.status, typeof body?.error === 'string' ? body.error : undefined);
  };

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const endpoint = endpointOf(path);
    this.deps.recorder.count(endpoint);

    if (req.method === 'GET' && path === ROUTES.authorization) this.defaultAuthorizationScope(req);

    let prepared: Prepared = { forward: req };
    try {
      if (req.method === 'POST' && endpoint === 'token' && isFormRequest(req)) {
        prepared = await this.prepareTokenRequest(req, res);
      } else if (req.method === 'POST' && endpoint === 'registration') {
        prepared = { forward: await this.prepareRegistration(req) };
      }
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      sendJson(res, 413, oauthError('invalid_request', err.message));
      return;
    }

    const outcome = await this.deps.faults.apply(endpoint, req);
    if (outcome === 'dropped') return;
    const answer = outcome === 'continue' ? prepared.answer : outcome.failWith;
    if (answer) {
      const body = answer.body as { error?: unknown } | undefined;
      this.settle(res, answer.status, typeof body?.error === 'string' ? body.error : undefined);
      sendCanned(res, answer);
      return;
    }
    this.deps.dispatch(prepared.forward, res);
  }

  /**
   * oidc-provider refuses (access_denied) an authorization that grants no scope at all; a
   * request without `scope` (MCP clients may send none) gets the client's registered
   * scope, or `openid`.
   */
  private defaultAuthorizationScope(req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.searchParams.get('scope')?.trim()) return;
    url.searchParams.set('scope', this.deps.defaultScopeFor(url.searchParams.get('client_id') ?? undefined));
    req.url = `${url.pathname}${url.search}`;
  }

  private settle(res: ServerResponse, status: number, error: string | undefined): void {
    const record = this.pending.get(res);
    if (!record) return;
    this.pending.delete(res);
    record.status = status;
    if (error !== undefined && status >= 400) record.error = error;
  }

  /** Reads a token request, records exchanges, and authenticates workload-identity assertions. */
  private async prepareTokenRequest(req: IncomingMessage, res: ServerResponse): Promise<Prepared> {
    const body = await readBody(req);
    const form = parseForm(body);
    let { method, clientId } = inspectClientAuth(req.headers, form);
    let rewritten: FormFields | undefined;
    let answer: LocalZoneFailWith | undefined;

    const assertion = fieldValue(form, 'client_assertion');
    const isJwtBearer = fieldValue(form, 'client_assertion_type') === JWT_BEARER_ASSERTION_TYPE;
    if (assertion !== undefined && isJwtBearer && req.headers.authorization === undefined) {
      const outcome = await this.deps.workloads.authenticate(assertion, fieldValue(form, 'client_id'));
      if (outcome.kind !== 'not-workload') {
        method = 'workload_identity';
        clientId = outcome.clientId;
      }
      if (outcome.kind === 'authenticated') {
        const { client_assertion: _assertion, client_assertion_type: _type, ...rest } = form;
        rewritten = { ...rest, client_id: outcome.clientId, client_secret: outcome.internalSecret };
      } else if (outcome.kind === 'rejected') {
        answer = { status: 401, body: oauthError('invalid_client', outcome.reason) };
      }
    }

    const isExchange = fieldValue(form, 'grant_type') === TOKEN_EXCHANGE_GRANT_TYPE;
    if (isExchange && method === 'none' && clientId === undefined && this.deps.allowAnonymousExchange) {
      rewritten = { ...form, client_id: ANONYMOUS_EXCHANGE_CLIENT_ID };
    }
    if (isExchange) {
      this.pending.set(res, this.deps.recorder.recordExchange({ form, headers: req.headers, clientAuthMethod: method, clientId }));
    }
    return { forward: replayRequest(req, rewritten ? encodeForm(rewritten) : body), answer };
  }

  /** Reads a registration request so that an open zone learns its scopes before oidc-provider validates them. */
  private async prepareRegistration(req: IncomingMessage): Promise<IncomingMessage> {
    const body = await readBody(req);
    let metadata: unknown;
    try {
      metadata = JSON.parse(body.toString('utf8'));
    } catch (err) {
      // Not JSON: oidc-provider answers invalid_request itself.
      if (!(err instanceof SyntaxError)) throw err;
    }
    const scope = (metadata as { scope?: unknown } | undefined)?.scope;
    this.deps.learnScopes(splitScope(scope));
    return replayRequest(req, body);
  }
}
