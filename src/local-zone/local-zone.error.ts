import { KeycardError } from '../errors/keycard.error.js';

/** LocalZone was used wrongly (bad client metadata, a port in use, a call after `stop()`...). */
export class LocalZoneError extends KeycardError {}
