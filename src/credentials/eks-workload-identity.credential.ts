import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { KeycardCredentialError } from '../errors/keycard.error.js';
import {
  ApplicationCredential,
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
  type EnvReader,
  type TokenEndpointRequest,
} from './application-credential.js';
import { CREDENTIAL_ENV, findEksTokenFileEnv, nonBlank } from './credential-env.js';
import { nodeErrorCode } from './node-error-code.js';

/** Options of `new EKSWorkloadIdentity(...)`. Empty strings count as unset. */
export interface EKSWorkloadIdentityOptions {
  /**
   * Path of the projected service account token file.
   * @default env KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE, else KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE,
   * else AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE,
   * else AWS_WEB_IDENTITY_TOKEN_FILE
   */
  tokenFilePath?: string;
}

/**
 * Client authentication with an EKS workload identity token: the token file (mounted and
 * rotated by Kubernetes) is read on every token request and sent as a JWT-bearer client
 * assertion (`client_assertion_type = urn:ietf:params:oauth:client-assertion-type:jwt-bearer`).
 *
 * The token never appears in an error, `toString()`, `JSON.stringify()` or `util.inspect()`.
 */
export class EKSWorkloadIdentity extends ApplicationCredential {
  readonly kind = 'eks_workload_identity' as const;

  readonly #tokenFileOption: string | undefined;
  #tokenFilePath: string | undefined;

  constructor(options: EKSWorkloadIdentityOptions = {}) {
    super();
    this.#tokenFileOption = nonBlank(options.tokenFilePath);
    this.#tokenFilePath = this.#tokenFileOption === undefined ? undefined : resolve(this.#tokenFileOption);
  }

  /** Absolute path of the token file: from the option at once, from env after `initialize()`. */
  get tokenFilePath(): string | undefined {
    return this.#tokenFilePath;
  }

  /** Finds the token file (option, else env) and checks it is readable and not empty. */
  override async initialize(env: EnvReader): Promise<void> {
    const path = this.#tokenFileOption ?? findEksTokenFileEnv(env)?.path;
    if (path === undefined) {
      throw new KeycardCredentialError(
        'EKSWorkloadIdentity has no token file: pass the `tokenFilePath` option or set one of the environment ' +
          `variables ${CREDENTIAL_ENV.EKS_TOKEN_FILE.join(', ')}.`,
      );
    }
    this.#tokenFilePath = resolve(path);
    await this.#readToken(this.#tokenFilePath);
  }

  override async authenticate(request: TokenEndpointRequest): Promise<void> {
    const path = this.#tokenFilePath;
    if (path === undefined) {
      throw new KeycardCredentialError(
        'EKSWorkloadIdentity is not initialised: call `await credential.initialize(env)` first (KeycardModule does it at bootstrap).',
      );
    }
    const token = await this.#readToken(path);
    request.body.set('client_assertion_type', JWT_BEARER_CLIENT_ASSERTION_TYPE);
    request.body.set('client_assertion', token);
  }

  override toString(): string {
    return `EKSWorkloadIdentity(tokenFilePath=${JSON.stringify(this.#tokenFilePath ?? null)})`;
  }

  /** A description without the token. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, tokenFilePath: this.#tokenFilePath ?? null };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** Reads the token (trimmed); errors name the file, never its content. */
  async #readToken(path: string): Promise<string> {
    let content: string;
    try {
      content = await readFile(path, 'utf8');
    } catch (error: unknown) {
      const code = nodeErrorCode(error);
      const problem =
        code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? 'unknown error'})`;
      throw new KeycardCredentialError(
        `The EKS workload identity token file ${path} ${problem}. Check the projected service account token ` +
          'volume of the pod and that this process can read it, or set `tokenFilePath` / ' +
          `${CREDENTIAL_ENV.EKS_TOKEN_FILE[0]} to the right file.`,
        { cause: error },
      );
    }
    const token = content.trim();
    if (token === '') {
      throw new KeycardCredentialError(
        `The EKS workload identity token file ${path} is empty. Check the projected service account token volume ` +
          'of the pod (the token is written there by Kubernetes).',
      );
    }
    return token;
  }
}
