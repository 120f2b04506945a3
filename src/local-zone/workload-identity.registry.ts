import type { JWTPayload } from 'jose';

import type { LocalZoneWorkloadIdentity } from './local-zone-client.interface.js';
import { decodeUnverified, JwtRejectedError, rejectionReason, verifyWithKeySet } from './zone-jwt.js';

/** Asymmetric algorithms accepted for workload tokens. */
const WORKLOAD_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** Leeway for the workload token's `exp`/`nbf`. */
const CLOCK_TOLERANCE_SECONDS = 30;

interface StoredWorkloadIdentity {
  readonly identity: LocalZoneWorkloadIdentity;
  /** Secret of the confidential client LocalZone registered for this workload (never leaves the zone). */
  readonly internalSecret: string;
}

/** The outcome of checking a jwt-bearer client assertion against the workload identities. */
export type WorkloadAuthentication =
  | { readonly kind: 'authenticated'; readonly clientId: string; readonly internalSecret: string }
  | { readonly kind: 'rejected'; readonly clientId?: string; readonly reason: string }
  /** No workload identity claims this assertion: it is an ordinary private_key_jwt assertion. */
  | { readonly kind: 'not-workload' };

/**
 * Workload identities registered with `registerWorkloadIdentity()`. An assertion is
 * claimed by an identity through the `client_id` form field, the token's `iss`, or the
 * `kid` of its header; it is then verified against that identity's keys.
 */
export class WorkloadIdentityRegistry {
  private readonly byClientId = new Map<string, StoredWorkloadIdentity>();

  register(identity: LocalZoneWorkloadIdentity, internalSecret: string): void {
    this.byClientId.set(identity.clientId, {
      identity: { ...identity, jwks: { keys: identity.jwks.keys.map((k) => ({ ...k })) } },
      internalSecret,
    });
  }

  has(clientId: string): boolean {
    return this.byClientId.has(clientId);
  }

  async authenticate(assertion: string, formClientId: string | undefined): Promise<WorkloadAuthentication> {
    const decoded = decodeUnverified(assertion);
    if (!decoded) return { kind: 'not-workload' };
    const candidates = this.candidates(decoded, formClientId);
    if (candidates.length === 0) return { kind: 'not-workload' };

    const reasons: string[] = [];
    for (const { identity, internalSecret } of candidates) {
      try {
        await verifyWithKeySet(assertion, identity.jwks, {
          algorithms: WORKLOAD_ALGS,
          issuer: identity.issuer,
          audience: identity.audience,
          subject: identity.subject,
          requiredClaims: ['exp'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        return { kind: 'authenticated', clientId: identity.clientId, internalSecret };
      } catch (err) {
        if (!(err instanceof JwtRejectedError)) throw err;
        reasons.push(`${identity.clientId}: ${rejectionReason(err)}`);
      }
    }
    return {
      kind: 'rejected',
      clientId: candidates.length === 1 ? candidates[0]?.identity.clientId : undefined,
      reason: `workload identity assertion rejected (${reasons.join('; ')})`,
    };
  }

  private candidates(decoded: { header: Record<string, unknown>; payload: JWTPayload }, formClientId: string | undefined): StoredWorkloadIdentity[] {
    if (formClientId !== undefined) {
      const stored = this.byClientId.get(formClientId);
      return stored ? [stored] : [];
    }
    const { iss } = decoded.payload;
    const { kid } = decoded.header;
    return [...this.byClientId.values()].filter(
      ({ identity }) =>
        (identity.issuer !== undefined && identity.issuer === iss) ||
        (typeof kid === 'string' && identity.jwks.keys.some((k) => k.kid === kid)),
    );
  }
}
