import type { KeycardCredentialSource } from '../config/keycard-options.interface.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { ApplicationCredential, EnvReader } from './application-credential.js';
import { ClientSecret } from './client-secret.credential.js';
import { CREDENTIAL_ENV, findEksTokenFileEnv, readEnv } from './credential-env.js';
import { EKSWorkloadIdentity } from './eks-workload-identity.credential.js';
import { WebIdentity } from './web-identity.credential.js';

/** Values of KEYCARD_APPLICATION_CREDENTIAL_TYPE (compared case-insensitively). */
export const SUPPORTED_CREDENTIAL_TYPES = Object.freeze(['eks_workload_identity', 'web_identity'] as const);

/** What the credential discovery needs besides options and env. */
export interface CredentialDiscoveryContext {
  /** The server name, the WebIdentity key id source. */
  readonly mcpServerName: string;
}

/** The discovered credential (not initialised yet) and where it came from. */
export interface ResolvedApplicationCredential {
  readonly credential: ApplicationCredential | undefined;
  readonly source: KeycardCredentialSource;
}

/**
 * Picks the application credential, in this order (empty env values count as unset):
 * 1. the `applicationCredential` option;
 * 2. KEYCARD_CLIENT_ID and KEYCARD_CLIENT_SECRET, both set → `ClientSecret`;
 * 3. KEYCARD_APPLICATION_CREDENTIAL_TYPE = `eks_workload_identity` | `web_identity`
 *    (any other value → `KeycardConfigurationError`);
 * 4. an EKS token file variable set → `EKSWorkloadIdentity`;
 * 5. none → `{ credential: undefined, source: 'none' }`.
 *
 * It does not call `initialize()`: that happens at bootstrap.
 */
export function resolveApplicationCredential(
  option: ApplicationCredential | undefined,
  env: EnvReader,
  context: CredentialDiscoveryContext,
): ResolvedApplicationCredential {
  if (option !== undefined) return { credential: option, source: 'option' };

  const clientId = readEnv(env, CREDENTIAL_ENV.CLIENT_ID);
  const clientSecret = readEnv(env, CREDENTIAL_ENV.CLIENT_SECRET);
  if (clientId !== undefined && clientSecret !== undefined) {
    return { credential: new ClientSecret(clientId, clientSecret), source: 'env:client_secret' };
  }

  const type = readEnv(env, CREDENTIAL_ENV.CREDENTIAL_TYPE);
  if (type !== undefined) {
    switch (type.trim().toLowerCase()) {
      case 'eks_workload_identity':
        return {
          credential: new EKSWorkloadIdentity({ tokenFilePath: findEksTokenFileEnv(env)?.path }),
          source: 'env:credential_type',
        };
      case 'web_identity':
        return {
          credential: new WebIdentity({
            serverName: context.mcpServerName,
            storageDir: readEnv(env, CREDENTIAL_ENV.WEB_IDENTITY_KEY_STORAGE_DIR),
          }),
          source: 'env:credential_type',
        };
      default:
        throw new KeycardConfigurationError(
          `${CREDENTIAL_ENV.CREDENTIAL_TYPE} is "${type}", which is not supported. Supported values: ` +
            `${SUPPORTED_CREDENTIAL_TYPES.join(', ')}. For a client id and secret set ${CREDENTIAL_ENV.CLIENT_ID} ` +
            `and ${CREDENTIAL_ENV.CLIENT_SECRET} instead.`,
        );
    }
  }

  const tokenFile = findEksTokenFileEnv(env);
  if (tokenFile !== undefined) {
    return { credential: new EKSWorkloadIdentity({ tokenFilePath: tokenFile.path }), source: 'env:eks_auto_detected' };
  }

  return { credential: undefined, source: 'none' };
}
