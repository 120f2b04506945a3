import type { EnvReader } from './application-credential.js';

/** Environment variables the application credentials are discovered from. */
export const CREDENTIAL_ENV = Object.freeze({
  CLIENT_ID: 'KEYCARD_CLIENT_ID',
  CLIENT_SECRET: 'KEYCARD_CLIENT_SECRET',
  CREDENTIAL_TYPE: 'KEYCARD_APPLICATION_CREDENTIAL_TYPE',
  WEB_IDENTITY_KEY_STORAGE_DIR: 'KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR',
  /** A mounted secret: path of the WebIdentity signing key (PKCS#8 PEM). */
  WEB_IDENTITY_PRIVATE_KEY_FILE: 'KEYCARD_WEB_IDENTITY_PRIVATE_KEY_FILE',
  /** The WebIdentity signing key itself (PKCS#8 PEM), e.g. from a secret. */
  WEB_IDENTITY_PRIVATE_KEY: 'KEYCARD_WEB_IDENTITY_PRIVATE_KEY',
  /** Comma-separated paths of keys published beside the signing key (previous / next key of a rotation). */
  WEB_IDENTITY_PUBLISHED_KEY_FILES: 'KEYCARD_WEB_IDENTITY_PUBLISHED_KEY_FILES',
  /**
   * The workload-identity token file variables, in precedence order: EKS, then a generic one
   * (e.g. a Kubernetes projected service-account token), then the AWS SDK's. Any of them makes
   * an `EKSWorkloadIdentity` (the token file's content is the client assertion).
   */
  EKS_TOKEN_FILE: Object.freeze([
    'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE',
    'KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ] as const),
});

/** Reads a variable; empty or whitespace-only values count as unset (whatever the reader does). */
export function readEnv(env: EnvReader, name: string): string | undefined {
  const value = env(name);
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** An option value, with an empty or whitespace-only string counted as unset. */
export function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The first EKS token file variable that is set, with its name. */
export function findEksTokenFileEnv(env: EnvReader): { readonly name: string; readonly path: string } | undefined {
  for (const name of CREDENTIAL_ENV.EKS_TOKEN_FILE) {
    const path = readEnv(env, name);
    if (path !== undefined) return { name, path };
  }
  return undefined;
}

/** Every token file variable that is set, in precedence order. */
export function listEksTokenFileEnv(env: EnvReader): readonly string[] {
  return CREDENTIAL_ENV.EKS_TOKEN_FILE.filter((name) => readEnv(env, name) !== undefined);
}
