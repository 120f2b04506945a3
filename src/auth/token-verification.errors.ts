import { KeycardError } from '../errors/keycard.error.js';

/**
 * A bearer token was checked and is not acceptable. The message says why, in words that
 * are safe for logs and response bodies: it never contains token text.
 */
export class TokenRejectedError extends KeycardError {}

/** The zone's metadata or keys cannot be fetched right now: the token cannot be checked. */
export class AuthorizationServerUnavailableError extends KeycardError {}
