// Public names of inbound authentication; re-exported by src/index.ts.
export { KeycardAuthGuard } from './keycard-auth.guard.js';
export { KeycardJwtStrategy } from './keycard-jwt.strategy.js';
export { KeycardTokenVerifier } from './keycard-token.verifier.js';
export { Public } from './public.decorator.js';
export { RequireScopes } from './require-scopes.decorator.js';
export { KEYCARD_JWT_STRATEGY, KEYCARD_PUBLIC_KEY, KEYCARD_REQUIRED_SCOPES_KEY } from './auth.constants.js';
export {
  KeycardAuthServerUnavailableException,
  KeycardInsufficientScopeException,
  KeycardUnauthorizedException,
} from './keycard-auth.exceptions.js';
export type { KeycardAuthErrorBody, KeycardChallengeContext, KeycardHttpHeaders } from './keycard-auth.exceptions.js';
export type { KeycardAuthInfo, KeycardTokenClaims, KeycardUser } from './keycard-user.interface.js';
export { getHttpRequest } from './http-request.util.js';
export type { KeycardHttpRequest } from './http-request.util.js';
export { formatBearerChallenge } from './www-authenticate.js';
export type { BearerChallenge } from './www-authenticate.js';
