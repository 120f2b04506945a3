/**
 * The peers `npm run bench` compares KeycardAuthGuard with: the usual ways to verify a bearer
 * JWT in a Nest app, each configured as strictly as KeycardAuthGuard (issuer, audience = the
 * MCP resource, `exp`, RS256 only, keys from the zone's JWKS). Bench-only code.
 */
import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { auth } from 'express-oauth2-jwt-bearer';
import { createVerifier } from 'fast-jwt';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { JwksClient, passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { KeycardAuthGuard } from '../src/auth/keycard-auth.guard.js';
import { KeycardTokenVerifier } from '../src/auth/keycard-token.verifier.js';
import { BENCH_MCP_RESOURCE } from './bench.constants.js';
import { HttpAdapterHost, Reflector } from '@nestjs/core';

/** The zone as the peers see it: read once from its metadata before the app starts. */
export interface PeerZone {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly zoneUrl: string;
}

let zone: PeerZone | undefined;

export function setPeerZone(value: PeerZone): void {
  zone = value;
}

function peerZone(): PeerZone {
  if (!zone) throw new Error('setPeerZone() was not called');
  return zone;
}

interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
  user?: unknown;
  raw?: HttpRequestLike;
}

function bearer(request: HttpRequestLike): string {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) throw new UnauthorizedException();
  return header.slice(7);
}

/** The usual Nest recipe: `@nestjs/passport` + passport-jwt + jwks-rsa's `passportJwtSecret`. */
@Injectable()
export class PassportRecipeStrategy extends PassportStrategy(Strategy, 'bench-passport-recipe') {
  constructor() {
    const { issuer, jwksUri } = peerZone();
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: passportJwtSecret({ jwksUri, cache: true, rateLimit: true, jwksRequestsPerMinute: 10 }),
      issuer,
      audience: BENCH_MCP_RESOURCE,
      algorithms: ['RS256'],
    });
  }

  validate(payload: unknown): unknown {
    return payload;
  }
}

@Injectable()
export class PassportRecipeGuard extends AuthGuard('bench-passport-recipe') {}

/** jose: `jwtVerify` with `createRemoteJWKSet` (verifies every request). */
@Injectable()
export class JoseGuard implements CanActivate {
  private readonly jwks = createRemoteJWKSet(new URL(peerZone().jwksUri));

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    try {
      const { payload } = await jwtVerify(bearer(request), this.jwks, {
        issuer: peerZone().issuer,
        audience: BENCH_MCP_RESOURCE,
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'sub'],
      });
      request.user = payload;
      return true;
    } catch {
      throw new UnauthorizedException();
    }
  }
}

/** fast-jwt with its verified-token cache (keys from jwks-rsa, cached). */
@Injectable()
export class FastJwtGuard implements CanActivate {
  private readonly client = new JwksClient({ jwksUri: peerZone().jwksUri, cache: true, rateLimit: true });
  private readonly verify = createVerifier({
    key: async (decoded: { header: { kid?: string } }) => (await this.client.getSigningKey(decoded.header.kid)).getPublicKey(),
    algorithms: ['RS256'],
    allowedIss: peerZone().issuer,
    allowedAud: BENCH_MCP_RESOURCE,
    requiredClaims: ['exp', 'sub'],
    cache: 10_000,
  });

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    try {
      request.user = await this.verify(bearer(request));
      return true;
    } catch {
      throw new UnauthorizedException();
    }
  }
}

type ExpressMiddleware = (request: unknown, response: unknown, next: (error?: unknown) => void) => void;

/** Auth0's express-oauth2-jwt-bearer middleware, as a guard (Express only). */
@Injectable()
export class ExpressOauth2JwtBearerGuard implements CanActivate {
  private readonly middleware = auth({
    issuerBaseURL: peerZone().zoneUrl,
    audience: BENCH_MCP_RESOURCE,
    tokenSigningAlg: 'RS256',
  }) as unknown as ExpressMiddleware;

  canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    return new Promise((resolve, reject) => {
      this.middleware(http.getRequest(), http.getResponse(), (error?: unknown) =>
        error === undefined ? resolve(true) : reject(new UnauthorizedException()),
      );
    });
  }
}

/**
 * KeycardAuthGuard without its verified-token cache: every request is fully verified (the
 * reference for the churn row).
 */
@Injectable()
export class UncachedKeycardAuthGuard extends KeycardAuthGuard {
  constructor(verifier: KeycardTokenVerifier, reflector: Reflector, adapterHost: HttpAdapterHost) {
    super(verifier, reflector, adapterHost, undefined);
  }
}
