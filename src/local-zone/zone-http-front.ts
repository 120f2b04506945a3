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
import { ClientMetadataDocumentError, isClientMetadataDocumentUrl } from './client-metadata-document.js';
import { allowAnyOrigin, answerPreflight } from './zone-cors.js';
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
  /**
   * Settles the scopes of an authorization request before oidc-provider sees it: learns
   * them (open zones) and lets the client ask for them. Returns the scopes the zone refuses
   * (unknown to a closed zone), which the front answers with `invalid_scope`.
   */
  readonly authorizeScopes: (clientId: string | undefined, scopes: string[]) => string[];
  /** Registers (or refreshes) the client a Client ID Metadata Document URL names. */
  readonly resolveClientDocument: (clientId: string) => Promise<void>;
}

const REGISTRATION_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;

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

    if (endpoint === 'registration') {
      if (req.method === 'OPTIONS') {
        answerPreflight(req, res, REGISTRATION_METHODS);
        return;
      }
      allowAnyOrigin(req, res);
    }

    let prepared: Prepared = { forward: req };
    try {
      if (req.method === 'GET' && path === ROUTES.authorization) {
        prepared = await this.prepareAuthorization(req);
      } else if (req.method === 'POST' && endpoint === 'token' && isFormRequest(req)) {
        prepared = await this.prepareTokenRequest(req, res);
      } else if (req.method === 'POST' && endpoint === 'registration') {
        prepared = { forward: await this.prepareRegistration(req) };
      }
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendJson(res, 413, oauthError('invalid_request', err.message));
        return;
      }
      if (err instanceof ClientMetadataDocumentError) {
        sendJson(res, 400, oauthError('invalid_client', err.message));
        return;
      }
      throw err;
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
   * An authorization request: a Client ID Metadata Document client is registered from its
   * document first; a request without `scope` (MCP clients may send none) gets the client's
   * registered scope, or `openid` (oidc-provider refuses an authorization that grants no
   * scope at all); every requested scope is then granted or refused with `invalid_scope` —
   * oidc-provider alone would silently drop a scope it does not know.
   */
  private async prepareAuthorization(req: IncomingMessage): Promise<Prepared> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const clientId = url.searchParams.get('client_id') ?? undefined;
    if (isClientMetadataDocumentUrl(clientId)) await this.deps.resolveClientDocument(clientId);
    if (!url.searchParams.get('scope')?.trim()) {
      url.searchParams.set('scope', this.deps.defaultScopeFor(clientId));
      req.url = `${url.pathname}${url.search}`;
    }
    const refused = this.deps.authorizeScopes(clientId, splitScope(url.searchParams.get('scope')));
    if (refused.length === 0) return { forward: req };
    return {
      forward: req,
      answer: { status: 400, body: oauthError('invalid_scope', `this zone does not know the scope ${refused.join(' ')}`) },
    };
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
    const formClientId = fieldValue(form, 'client_id');
    if (isClientMetadataDocumentUrl(formClientId)) await this.deps.resolveClientDocument(formClientId);
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

  /**
   * Reads a registration request so that an open zone learns its scopes before oidc-provider
   * validates them. An empty `scope` means none (oidc-provider would refuse it as invalid
   * metadata; the MCP Inspector registers with `"scope": ""` when the server names none).
   */
  private async prepareRegistration(req: IncomingMessage): Promise<IncomingMessage> {
    const body = await readBody(req);
    let metadata: unknown;
    try {
      metadata = JSON.parse(body.toString('utf8'));
    } catch (err) {
      // Not JSON: oidc-provider answers invalid_request itself.
      if (!(err instanceof SyntaxError)) throw err;
    }
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return replayRequest(req, body);
    const { scope, ...rest } = metadata as Record<string, unknown>;
    if (typeof scope === 'string' && scope.trim() === '') return replayRequest(req, Buffer.from(JSON.stringify(rest)));
    this.deps.learnScopes(splitScope(scope));
    return replayRequest(req, body);
  }
}
