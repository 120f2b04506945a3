import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { KEYCARD_JWT_STRATEGY } from './auth.constants.js';
import type { KeycardHttpRequest } from './http-request.util.js';
import { ASYMMETRIC_ALGORITHMS, type KeycardTokenVerifier } from './keycard-token.verifier.js';
import type { KeycardUser } from './keycard-user.interface.js';
import { TokenRejectedError } from './token-verification.errors.js';

interface PendingVerification {
  readonly verifier: KeycardTokenVerifier;
  readonly token: string;
  /** SPKI PEM of the key handed to jsonwebtoken (as a `KeyObject`) for the signature check. */
  key?: string;
  /** Set once jsonwebtoken accepted the signature (`validate` is only called then): `key`. */
  verifiedWith?: string;
  /** Whether the signature was already checked again after a key-set refetch. */
  retried?: boolean;
}

/** passport's per-request `fail` (passport sets it on a per-request copy of the strategy). */
type Fail = (challenge?: unknown, status?: number) => void;

/** jsonwebtoken's error for a signature that does not verify with the key it was given. */
function isBadSignature(failure: unknown): boolean {
  return failure instanceof Error && failure.name === 'JsonWebTokenError' && failure.message === 'invalid signature';
}

const pending = new WeakMap<object, PendingVerification>();

/**
 * Hands a request to the strategy with the token to check and the verifier (configuration,
 * keys) of the module whose guard is asking. Passport keeps strategies in one registry per
 * process, so the strategy itself holds no configuration: two apps (or two
 * `KeycardModule`s) in one process never check tokens with each other's settings.
 */
export function beginTokenVerification(request: object, verifier: KeycardTokenVerifier, token: string): void {
  pending.set(request, { verifier, token });
}

/**
 * Ends what `beginTokenVerification` started. Returns the key (SPKI PEM) the token's
 * signature verified with, or `undefined` when it was not verified.
 */
export function endTokenVerification(request: object): string | undefined {
  const entry = pending.get(request);
  pending.delete(request);
  return entry?.verifiedWith;
}

function pendingFor(request: object): PendingVerification {
  const entry = pending.get(request);
  if (!entry) throw new TokenRejectedError('the token was not handed over by KeycardAuthGuard');
  return entry;
}

/**
 * passport-jwt strategy `keycard-jwt`: jsonwebtoken checks the signature with the key
 * `KeycardTokenVerifier.getSigningKey()` picks from the zone's JWKS (jwks-rsa), for
 * asymmetric algorithms only; the verifier then checks issuer, times, audience and
 * subject and builds the `KeycardUser`. `exp` and `nbf` are checked by the verifier (with
 * the configured clock tolerance), not by jsonwebtoken.
 *
 * A signature that fails with a known `kid` is checked once more when the key store
 * refetched the key set and now holds another key for that `kid` (the zone re-keyed it);
 * when that refetch is due but the zone is unreachable, the answer is 503, not 401.
 */
@Injectable()
export class KeycardJwtStrategy extends PassportStrategy(Strategy, KEYCARD_JWT_STRATEGY) {
  constructor() {
    super({
      jwtFromRequest: (request: object) => pending.get(request)?.token ?? null,
      secretOrKeyProvider: (request: object, _rawToken: unknown, done: (error: unknown, key?: string) => void) => {
        let entry: PendingVerification;
        try {
          entry = pendingFor(request);
        } catch (error) {
          done(error);
          return;
        }
        entry.verifier.getSigningKey(entry.token).then(
          (key) => {
            entry.key = key.pem;
            // The parsed KeyObject (made once per fetched key set): jsonwebtoken would otherwise
            // parse the PEM again on every verification. passport-jwt only passes it through.
            done(null, key.key as unknown as string);
          },
          (error: unknown) => done(error),
        );
      },
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      ignoreExpiration: true,
      jsonWebTokenOptions: { ignoreNotBefore: true },
      passReqToCallback: true,
    });
  }

  /** passport-jwt's `authenticate`, with the one retry after a failed signature described above. */
  override authenticate(request: Parameters<Strategy['authenticate']>[0], options?: Parameters<Strategy['authenticate']>[1]): void {
    const entry = pending.get(request);
    const self = this as unknown as { fail: Fail; error: (error: unknown) => void };
    const fail = self.fail;
    if (entry && !entry.retried && typeof fail === 'function') {
      self.fail = (challenge, status) => {
        self.fail = fail;
        const usedPem = entry.key;
        if (!isBadSignature(challenge) || usedPem === undefined) {
          fail.call(self, challenge, status);
          return;
        }
        entry.retried = true;
        entry.verifier.refetchAfterBadSignature(entry.token, usedPem).then(
          (rekeyed) => (rekeyed ? super.authenticate(request, options) : fail.call(self, challenge, status)),
          (error: unknown) => fail.call(self, error),
        );
      };
    }
    super.authenticate(request, options);
  }

  validate(request: KeycardHttpRequest, payload: unknown): KeycardUser {
    const entry = pendingFor(request);
    entry.verifiedWith = entry.key;
    return entry.verifier.createUser(payload, entry.token, request);
  }
}
