import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeycardCredentialSource } from '../../src/config/keycard-options.interface.js';
import { ApplicationCredential, type ApplicationCredentialKind } from '../../src/credentials/application-credential.js';
import { ClientSecret } from '../../src/credentials/client-secret.credential.js';
import { resolveApplicationCredential } from '../../src/credentials/credential-factory.js';
import { EKSWorkloadIdentity } from '../../src/credentials/eks-workload-identity.credential.js';
import { WebIdentity } from '../../src/credentials/web-identity.credential.js';
import { KeycardConfigurationError } from '../../src/errors/keycard.error.js';
import { envOf, tempDirs, tokenRequest } from './helpers.js';

class CustomCredential extends ApplicationCredential {
  readonly kind = 'client_secret' as const;
  override async authenticate(): Promise<void> {}
}

const context = { mcpServerName: 'My Server' };
const custom = new CustomCredential();

interface Row {
  readonly name: string;
  readonly option?: ApplicationCredential;
  readonly env: Record<string, string>;
  readonly source: KeycardCredentialSource;
  readonly kind: ApplicationCredentialKind | undefined;
  /** Further checks on the credential. */
  readonly check?: (credential: ApplicationCredential | undefined) => void | Promise<void>;
}

const rows: readonly Row[] = [
  {
    name: 'explicit option beats every env variable',
    option: custom,
    env: {
      KEYCARD_CLIENT_ID: 'id',
      KEYCARD_CLIENT_SECRET: 'secret',
      KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity',
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token',
    },
    source: 'option',
    kind: 'client_secret',
    check: (credential) => expect(credential).toBe(custom),
  },
  {
    name: 'explicit option is used even with an unsupported credential type in env',
    option: custom,
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'nonsense' },
    source: 'option',
    kind: 'client_secret',
    check: (credential) => expect(credential).toBe(custom),
  },
  {
    name: 'client id and secret → ClientSecret',
    env: { KEYCARD_CLIENT_ID: 'my-client', KEYCARD_CLIENT_SECRET: 's3cret' },
    source: 'env:client_secret',
    kind: 'client_secret',
    check: async (credential) => {
      expect(credential).toBeInstanceOf(ClientSecret);
      const request = tokenRequest();
      await credential!.authenticate(request);
      expect(request.headers.get('authorization')).toBe(`Basic ${Buffer.from('my-client:s3cret').toString('base64')}`);
    },
  },
  {
    name: 'client id and secret beat the credential type variable',
    env: { KEYCARD_CLIENT_ID: 'id', KEYCARD_CLIENT_SECRET: 'secret', KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity' },
    source: 'env:client_secret',
    kind: 'client_secret',
  },
  {
    name: 'client id and secret beat an unsupported credential type (it is never read)',
    env: { KEYCARD_CLIENT_ID: 'id', KEYCARD_CLIENT_SECRET: 'secret', KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'bogus' },
    source: 'env:client_secret',
    kind: 'client_secret',
  },
  {
    name: 'client id and secret beat EKS auto-detection',
    env: { KEYCARD_CLIENT_ID: 'id', KEYCARD_CLIENT_SECRET: 'secret', AWS_WEB_IDENTITY_TOKEN_FILE: '/t' },
    source: 'env:client_secret',
    kind: 'client_secret',
  },
  { name: 'only the client id → no credential', env: { KEYCARD_CLIENT_ID: 'id' }, source: 'none', kind: undefined },
  { name: 'only the client secret → no credential', env: { KEYCARD_CLIENT_SECRET: 's' }, source: 'none', kind: undefined },
  {
    name: 'only the client id, with a credential type → that type',
    env: { KEYCARD_CLIENT_ID: 'id', KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity' },
    source: 'env:credential_type',
    kind: 'web_identity',
  },
  {
    name: 'only the client secret, with an EKS token file → EKS',
    env: { KEYCARD_CLIENT_SECRET: 's', AWS_WEB_IDENTITY_TOKEN_FILE: '/t' },
    source: 'env:eks_auto_detected',
    kind: 'eks_workload_identity',
  },
  {
    name: 'empty client secret counts as unset',
    env: { KEYCARD_CLIENT_ID: 'id', KEYCARD_CLIENT_SECRET: '' },
    source: 'none',
    kind: undefined,
  },
  {
    name: 'whitespace-only client id counts as unset',
    env: { KEYCARD_CLIENT_ID: '  ', KEYCARD_CLIENT_SECRET: 'secret' },
    source: 'none',
    kind: undefined,
  },
  {
    name: 'credential type web_identity → WebIdentity named after the server, storage dir from env',
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity', KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR: '/srv/keys' },
    source: 'env:credential_type',
    kind: 'web_identity',
    check: (credential) => {
      expect(credential).toBeInstanceOf(WebIdentity);
      expect((credential as WebIdentity).keyId).toBe('My_Server');
      expect((credential as WebIdentity).clientId).toBe('My_Server');
    },
  },
  {
    name: 'credential type is case-insensitive',
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: ' WEB_IDENTITY ' },
    source: 'env:credential_type',
    kind: 'web_identity',
  },
  {
    name: 'credential type eks_workload_identity → EKS with the env token file',
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'eks_workload_identity', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/aws-token' },
    source: 'env:credential_type',
    kind: 'eks_workload_identity',
    check: (credential) => {
      expect(credential).toBeInstanceOf(EKSWorkloadIdentity);
      expect((credential as EKSWorkloadIdentity).tokenFilePath).toBe('/var/run/aws-token');
    },
  },
  {
    name: 'credential type eks_workload_identity without a token file → EKS (initialize() reports the missing file)',
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'eks_workload_identity' },
    source: 'env:credential_type',
    kind: 'eks_workload_identity',
    check: (credential) => expect((credential as EKSWorkloadIdentity).tokenFilePath).toBeUndefined(),
  },
  {
    name: 'credential type beats EKS auto-detection',
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity', KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: '/t' },
    source: 'env:credential_type',
    kind: 'web_identity',
  },
  {
    name: 'empty credential type counts as unset',
    env: { KEYCARD_APPLICATION_CREDENTIAL_TYPE: '' },
    source: 'none',
    kind: undefined,
  },
  ...(
    [
      ['KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE', '/keycard'],
      ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', '/container'],
      ['AWS_WEB_IDENTITY_TOKEN_FILE', '/web'],
    ] as const
  ).map(
    ([variable, path]): Row => ({
      name: `${variable} alone → EKS auto-detected`,
      env: { [variable]: path },
      source: 'env:eks_auto_detected',
      kind: 'eks_workload_identity',
      check: (credential) => expect((credential as EKSWorkloadIdentity).tokenFilePath).toBe(path),
    }),
  ),
  {
    name: 'EKS variable order: KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE first',
    env: {
      AWS_WEB_IDENTITY_TOKEN_FILE: '/web',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/container',
      KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: '/keycard',
    },
    source: 'env:eks_auto_detected',
    kind: 'eks_workload_identity',
    check: (credential) => expect((credential as EKSWorkloadIdentity).tokenFilePath).toBe('/keycard'),
  },
  {
    name: 'EKS variable order: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE before AWS_WEB_IDENTITY_TOKEN_FILE',
    env: { AWS_WEB_IDENTITY_TOKEN_FILE: '/web', AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/container' },
    source: 'env:eks_auto_detected',
    kind: 'eks_workload_identity',
    check: (credential) => expect((credential as EKSWorkloadIdentity).tokenFilePath).toBe('/container'),
  },
  {
    name: 'EKS variable order: an empty earlier variable is skipped',
    env: { KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: '', AWS_WEB_IDENTITY_TOKEN_FILE: '/web' },
    source: 'env:eks_auto_detected',
    kind: 'eks_workload_identity',
    check: (credential) => expect((credential as EKSWorkloadIdentity).tokenFilePath).toBe('/web'),
  },
  {
    name: 'all EKS variables empty → no credential',
    env: {
      KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: '',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '',
      AWS_WEB_IDENTITY_TOKEN_FILE: '',
    },
    source: 'none',
    kind: undefined,
  },
  { name: 'nothing set → no credential', env: {}, source: 'none', kind: undefined },
];

describe('resolveApplicationCredential', () => {
  it.each(rows)('$name', async ({ option, env, source, kind, check }) => {
    const result = resolveApplicationCredential(option, envOf(env), context);
    expect(result.source).toBe(source);
    expect(result.credential?.kind).toBe(kind);
    if (kind === undefined) expect(result.credential).toBeUndefined();
    await check?.(result.credential);
  });

  it.each(['bogus', 'client_secret', 'web-identity'])(
    'an unsupported KEYCARD_APPLICATION_CREDENTIAL_TYPE (%s) is a configuration error listing the supported values',
    (value) => {
      const run = () =>
        resolveApplicationCredential(undefined, envOf({ KEYCARD_APPLICATION_CREDENTIAL_TYPE: value }), context);
      expect(run).toThrow(KeycardConfigurationError);
      expect(run).toThrow(/eks_workload_identity/);
      expect(run).toThrow(/web_identity/);
      expect(run).toThrow(new RegExp(`"${value}"`));
    },
  );

  it('web_identity keeps KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR even when initialize() gets another env', async () => {
    const dirs = tempDirs();
    try {
      const dir = join(await dirs.make(), 'keys');
      const { credential } = resolveApplicationCredential(
        undefined,
        envOf({ KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity', KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR: dir }),
        context,
      );
      await credential!.initialize(envOf({}));
      expect((credential as WebIdentity).storageDir).toBe(dir);
      expect((await stat(join(dir, 'My_Server.pem'))).isFile()).toBe(true);
    } finally {
      await dirs.cleanup();
    }
  });

  it('does not initialise the credential it builds', async () => {
    const { credential } = resolveApplicationCredential(
      undefined,
      envOf({ KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity', KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR: '/nonexistent/x' }),
      context,
    );
    expect((credential as WebIdentity).keyStorage).toBeUndefined();
    await expect(credential!.authenticate(tokenRequest())).rejects.toThrow(/not initialised/);
  });
});
