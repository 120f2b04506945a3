/**
 * The few parts of `oidc-provider` (v9, which ships no type declarations) that
 * LocalZone uses. Internal to `src/testing/local-zone/`: no public type of this
 * library refers to these declarations.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  /** The slice of a Koa context oidc-provider hands to middleware and grant handlers. */
  export interface OidcKoaContext {
    readonly method: string;
    readonly path: string;
    readonly req: IncomingMessage;
    readonly res: ServerResponse;
    status: number;
    body: unknown;
    type: string;
    redirect(url: string): void;
    set(field: string, value: string | string[]): void;
    readonly response: { get(field: string): string | string[] | undefined };
    /** Present once an oidc-provider route matched. */
    readonly oidc?: OidcContext;
  }

  export interface OidcContext {
    readonly provider: Provider;
    readonly issuer: string;
    readonly route?: string;
    readonly client?: OidcClient;
    readonly params?: Record<string, unknown>;
    urlFor(name: string, opts?: Record<string, unknown>): string;
  }

  export interface OidcClient {
    readonly clientId: string;
    readonly scope?: string;
    readonly clientAuthMethod: string;
    grantTypeAllowed(grantType: string): boolean;
    metadata(): Record<string, unknown>;
  }

  export type OidcMiddleware = (ctx: OidcKoaContext, next: () => Promise<void>) => Promise<void>;

  export interface InteractionDetails {
    readonly uid: string;
    readonly returnTo: string;
    readonly params: Record<string, unknown>;
    readonly prompt: {
      readonly name: string;
      readonly reasons: readonly string[];
      readonly details: {
        readonly missingOIDCScope?: readonly string[];
        readonly missingOIDCClaims?: readonly string[];
        readonly missingResourceScopes?: Readonly<Record<string, readonly string[]>>;
      };
    };
    readonly session?: { readonly accountId?: string };
    readonly grantId?: string;
  }

  export interface OidcGrant {
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: readonly string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface OidcGrantStatic {
    new (init: { accountId: string; clientId: string }): OidcGrant;
    find(id: string): Promise<OidcGrant | undefined>;
  }

  export interface OidcClientStatic {
    validate(metadata: Record<string, unknown>): Promise<void>;
    find(id: string): Promise<OidcClient | undefined>;
  }

  export interface OidcResourceServerInstance {
    identifier(): string;
  }

  export interface OidcTokenInstance {
    readonly resourceServer?: OidcResourceServerInstance;
    readonly kind?: string;
  }

  export interface OidcError extends Error {
    error: string;
    error_description?: string;
    status: number;
    statusCode: number;
    expose: boolean;
  }

  type DescribedErrorCtor = new (description?: string) => OidcError;
  type OptionsErrorCtor = new () => OidcError;

  export const errors: {
    readonly InvalidRequest: DescribedErrorCtor;
    readonly InvalidTarget: DescribedErrorCtor;
    readonly InvalidScope: new (description: string, scope?: string) => OidcError;
    readonly InvalidGrant: OptionsErrorCtor;
    readonly InvalidClientAuth: OptionsErrorCtor;
    readonly CustomOIDCProviderError: new (error: string, description?: string) => OidcError;
  };

  export class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>);
    readonly issuer: string;
    readonly Grant: OidcGrantStatic;
    readonly Client: OidcClientStatic;
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    use(middleware: OidcMiddleware): this;
    on(event: string, listener: (...args: unknown[]) => void): this;
    registerGrantType(
      name: string,
      handler: (ctx: OidcKoaContext) => Promise<void>,
      params?: string | readonly string[] | ReadonlySet<string>,
      dupes?: string | readonly string[] | ReadonlySet<string>,
    ): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionResult(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<string>;
  }

  export default Provider;
}
