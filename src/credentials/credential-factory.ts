import type { KeycardCredentialSource } from '../config/keycard-options.interface.js';
import { KeycardConfigurationError } from '../errors/keycard.error.js';
import type { ApplicationCredential, EnvReader } from './application-credential.js';
import { ClientSecret } from './client-secret.credential.js';
import { CREDENTIAL_ENV, findEksTokenFileEnv, listEksTokenFileEnv, readEnv } from './credential-env.js';
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
  /** What the credential came from, for the bootstrap line (names, never values of secrets). */
  readonly usedFrom: string;
  /** The other credentials the options and env name, not used (lower precedence or incomplete). */
  readonly ignored: readonly string[];
}

/** Every credential the environment names, by kind, in precedence order (names and safe values only). */
interface EnvCandidates {
  readonly clientSecret: string | undefined;
  readonly incompleteClientSecret: string | undefined;
  readonly credentialType: string | undefined;
  readonly tokenFiles: readonly string[];
}

function envCandidates(env: EnvReader): EnvCandidates {
  const id = readEnv(env, CREDENTIAL_ENV.CLIENT_ID) !== undefined;
  const secret = readEnv(env, CREDENTIAL_ENV.CLIENT_SECRET) !== undefined;
  const type = readEnv(env, CREDENTIAL_ENV.CREDENTIAL_TYPE);
  return {
    clientSecret: id && secret ? `${CREDENTIAL_ENV.CLIENT_ID}/${CREDENTIAL_ENV.CLIENT_SECRET}` : undefined,
    incompleteClientSecret:
      id !== secret
        ? `${id ? CREDENTIAL_ENV.CLIENT_ID : CREDENTIAL_ENV.CLIENT_SECRET} (incomplete: ${id ? CREDENTIAL_ENV.CLIENT_SECRET : CREDENTIAL_ENV.CLIENT_ID} is not set)`
        : undefined,
    credentialType:
      type === undefined
        ? undefined
        : /^[A-Za-z0-9_-]{1,40}$/.test(type.trim())
          ? `${CREDENTIAL_ENV.CREDENTIAL_TYPE}=${type.trim()}`
          : `${CREDENTIAL_ENV.CREDENTIAL_TYPE} (unsupported value)`,
    tokenFiles: listEksTokenFileEnv(env),
  };
}

/** The candidates other than the ones named in `used`, as a list for the log line. */
function others(candidates: EnvCandidates, used: readonly string[]): string[] {
  return [candidates.clientSecret, candidates.incompleteClientSecret, candidates.credentialType, ...candidates.tokenFiles].filter(
    (name): name is string => name !== undefined && !used.includes(name),
  );
}

/**
 * Picks the application credential, in this order (empty env values count as unset):
 * 1. the `applicationCredential` option;
 * 2. KEYCARD_CLIENT_ID and KEYCARD_CLIENT_SECRET, both set → `ClientSecret`;
 * 3. KEYCARD_APPLICATION_CREDENTIAL_TYPE = `eks_workload_identity` | `web_identity`
 *    (any other value → `KeycardConfigurationError`);
 * 4. a workload-identity token file variable set (KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE,
 *    KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
 *    AWS_WEB_IDENTITY_TOKEN_FILE, first set wins) → `EKSWorkloadIdentity`;
 * 5. none → `{ credential: undefined, source: 'none' }`.
 *
 * Also reports what it used and what else the environment named (`usedFrom`, `ignored`), for
 * the one bootstrap line. It does not call `initialize()`: that happens at bootstrap.
 */
export function resolveApplicationCredential(
  option: ApplicationCredential | undefined,
  env: EnvReader,
  context: CredentialDiscoveryContext,
): ResolvedApplicationCredential {
  const candidates = envCandidates(env);
  if (option !== undefined) {
    return { credential: option, source: 'option', usedFrom: 'the applicationCredential option', ignored: others(candidates, []) };
  }

  const clientId = readEnv(env, CREDENTIAL_ENV.CLIENT_ID);
  const clientSecret = readEnv(env, CREDENTIAL_ENV.CLIENT_SECRET);
  if (clientId !== undefined && clientSecret !== undefined) {
    const usedFrom = candidates.clientSecret as string;
    return {
      credential: new ClientSecret(clientId, clientSecret),
      source: 'env:client_secret',
      usedFrom,
      ignored: others(candidates, [usedFrom]),
    };
  }

  const type = readEnv(env, CREDENTIAL_ENV.CREDENTIAL_TYPE);
  if (type !== undefined) {
    const usedFrom = candidates.credentialType as string;
    switch (type.trim().toLowerCase()) {
      case 'eks_workload_identity': {
        const tokenFile = findEksTokenFileEnv(env);
        return {
          credential: new EKSWorkloadIdentity({ tokenFilePath: tokenFile?.path }),
          source: 'env:credential_type',
          usedFrom: tokenFile ? `${usedFrom} with ${tokenFile.name}` : usedFrom,
          ignored: others(candidates, tokenFile ? [usedFrom, tokenFile.name] : [usedFrom]),
        };
      }
      case 'web_identity':
        return {
          credential: new WebIdentity({
            serverName: context.mcpServerName,
            storageDir: readEnv(env, CREDENTIAL_ENV.WEB_IDENTITY_KEY_STORAGE_DIR),
          }),
          source: 'env:credential_type',
          usedFrom,
          ignored: others(candidates, [usedFrom]),
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
    return {
      credential: new EKSWorkloadIdentity({ tokenFilePath: tokenFile.path }),
      source: 'env:eks_auto_detected',
      usedFrom: tokenFile.name,
      ignored: others(candidates, [tokenFile.name]),
    };
  }

  return { credential: undefined, source: 'none', usedFrom: 'nothing', ignored: others(candidates, []) };
}
