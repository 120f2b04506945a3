export {
  ApplicationCredential,
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
  type ApplicationCredentialKind,
  type EnvReader,
  type PublicJwks,
  type TokenEndpointRequest,
} from './application-credential.js';
export {
  ClientSecret,
  basicAuthorization,
  type ClientSecretPair,
  type ClientSecretsByIssuer,
} from './client-secret.credential.js';
export {
  WebIdentity,
  CLIENT_ASSERTION_LIFETIME_SECONDS,
  DEFAULT_WEB_IDENTITY_SERVER_NAME,
  DEFAULT_WEB_IDENTITY_STORAGE_DIR,
  keyIdFromServerName,
  type WebIdentityOptions,
} from './web-identity.credential.js';
export {
  WebIdentityKeyStorage,
  type WebIdentityKeyPair,
  type WebIdentityKeySet,
  type WebIdentityPublicJwk,
} from './web-identity-key-storage.js';
export { FileKeyStorage } from './file-key-storage.js';
export { MountedKeyStorage, type MountedKeyStorageOptions } from './mounted-key-storage.js';
export { EKSWorkloadIdentity, type EKSWorkloadIdentityOptions } from './eks-workload-identity.credential.js';
export {
  resolveApplicationCredential,
  SUPPORTED_CREDENTIAL_TYPES,
  type CredentialDiscoveryContext,
  type ResolvedApplicationCredential,
} from './credential-factory.js';
export { CREDENTIAL_ENV } from './credential-env.js';
