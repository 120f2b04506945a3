export { KeycardError, KeycardConfigurationError, KeycardCredentialError, ZoneDiscoveryError } from './keycard.error.js';
