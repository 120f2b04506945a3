// Public API of nestjs-keycard. Only what is listed here is public.
export { KeycardModule } from './keycard.module.js';
export { KEYCARD_CONFIG } from './keycard.constants.js';
export { KEYCARD_MODULE_OPTIONS } from './keycard.module-definition.js';
export { InjectKeycardConfig } from './config/inject-keycard-config.decorator.js';
export type {
  KeycardConfig,
  KeycardCredentialSource,
  KeycardJwtAlgorithm,
  KeycardModuleOptions,
  KeycardResourceConfig,
} from './config/keycard-options.interface.js';
export { ApplicationCredential } from './credentials/application-credential.js';
export type {
  ApplicationCredentialKind,
  EnvReader,
  PublicJwks,
  TokenEndpointRequest,
} from './credentials/application-credential.js';
export { KeycardConfigurationError, KeycardCredentialError, KeycardError, ZoneDiscoveryError } from './errors/keycard.error.js';
