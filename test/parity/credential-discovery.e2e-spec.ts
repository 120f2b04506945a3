import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigModule } from '@nestjs/config';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { EKSWorkloadIdentity } from 'nestjs-keycard';
import { LocalZone } from 'nestjs-keycard/local-zone';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolveApplicationCredential } from '../../src/credentials/credential-factory.js';
import { CapturingLogger } from '../auth/fixtures/capturing-logger.js';
import { envOf, tempDirs } from '../credentials/helpers.js';
import type { GrantReport } from '../grant-e2e/fixtures/grant-report.js';
import { API, MCP_RESOURCE } from '../grant-e2e/fixtures/resources.js';
import { startParityApp } from './fixtures/parity-app.js';
import { VaultRoutes } from './fixtures/vault-routes.controller.js';

const context = { mcpServerName: 'Discovery' };

/** Every variable credential discovery reads: none may leak in from the machine running the tests. */
const CREDENTIAL_VARS = [
  'KEYCARD_CLIENT_ID',
  'KEYCARD_CLIENT_SECRET',
  'KEYCARD_APPLICATION_CREDENTIAL_TYPE',
  'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE',
  'KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'KEYCARD_WEB_IDENTITY_KEY_STORAGE_DIR',
  'KEYCARD_ZONE_URL',
  'KEYCARD_ZONE_ID',
  'MCP_SERVER_URL',
];

describe('credential discovery says what it chose and what it ignored', () => {
  it.each<{ name: string; env: Record<string, string>; source: string; usedFrom: string; ignored: string[] }>([
    {
      name: 'client id/secret and a credential type and a token file',
      env: {
        KEYCARD_CLIENT_ID: 'id',
        KEYCARD_CLIENT_SECRET: 'the-secret',
        KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'web_identity',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/aws/token',
      },
      source: 'env:client_secret',
      usedFrom: 'KEYCARD_CLIENT_ID/KEYCARD_CLIENT_SECRET',
      ignored: ['KEYCARD_APPLICATION_CREDENTIAL_TYPE=web_identity', 'AWS_WEB_IDENTITY_TOKEN_FILE'],
    },
    {
      name: 'eks_workload_identity type uses the first token file; the others are ignored',
      env: {
        KEYCARD_APPLICATION_CREDENTIAL_TYPE: 'eks_workload_identity',
        KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE: '/var/run/k8s/token',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/aws/token',
      },
      source: 'env:credential_type',
      usedFrom: 'KEYCARD_APPLICATION_CREDENTIAL_TYPE=eks_workload_identity with KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE',
      ignored: ['AWS_WEB_IDENTITY_TOKEN_FILE'],
    },
    {
      name: 'an incomplete client pair does not hide behind a token file',
      env: { KEYCARD_CLIENT_ID: 'id', KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE: '/var/run/k8s/token' },
      source: 'env:eks_auto_detected',
      usedFrom: 'KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE',
      ignored: ['KEYCARD_CLIENT_ID (incomplete: KEYCARD_CLIENT_SECRET is not set)'],
    },
    {
      name: 'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE comes before the generic token file',
      env: { KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: '/eks', KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE: '/k8s' },
      source: 'env:eks_auto_detected',
      usedFrom: 'KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE',
      ignored: ['KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE'],
    },
    {
      name: 'one credential only: nothing ignored',
      env: { KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE: '/k8s' },
      source: 'env:eks_auto_detected',
      usedFrom: 'KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE',
      ignored: [],
    },
  ])('$name', ({ env, source, usedFrom, ignored }) => {
    const resolved = resolveApplicationCredential(undefined, envOf(env), context);
    expect(resolved).toMatchObject({ source, usedFrom, ignored });
  });

  it('the generic token file makes an EKSWorkloadIdentity reading that file', () => {
    const { credential } = resolveApplicationCredential(undefined, envOf({ KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE: '/var/run/k8s/token' }), context);
    expect(credential).toBeInstanceOf(EKSWorkloadIdentity);
    expect((credential as EKSWorkloadIdentity).tokenFilePath).toBe('/var/run/k8s/token');
  });
});

describe('KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE end to end (a Kubernetes projected service-account token)', () => {
  const dirs = tempDirs();
  const k8sIssuer = 'https://kubernetes.default.svc.cluster.local';
  let zone: LocalZone;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    zone = await LocalZone.start();
    const pair = await generateKeyPair('RS256', { extractable: true });
    privateKey = pair.privateKey;
    await zone.registerWorkloadIdentity({
      clientId: 'k8s-mcp-server',
      jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k8s-key', alg: 'RS256', use: 'sig' }] },
      issuer: k8sIssuer,
      audience: 'keycard',
    });
  });

  beforeEach(() => {
    for (const name of CREDENTIAL_VARS) vi.stubEnv(name, undefined);
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await dirs.cleanup();
  });

  afterAll(async () => {
    await zone?.stop();
  });

  it('is picked up from the environment, named in one bootstrap line with what it beat, and authenticates exchanges', async () => {
    const iat = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'k8s-key' })
      .setIssuer(k8sIssuer)
      .setSubject('system:serviceaccount:mcp:server')
      .setAudience('keycard')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(privateKey);
    const tokenFile = join(await dirs.make('keycard-k8s-'), 'token');
    await writeFile(tokenFile, `${assertion}\n`);
    vi.stubEnv('KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE', tokenFile);
    // Named but lower in precedence than the token file: the line must say it was ignored.
    vi.stubEnv('AWS_WEB_IDENTITY_TOKEN_FILE', join(tokenFile, 'not-this-one'));
    const logger = new CapturingLogger();
    const app = await startParityApp({
      keycard: { zoneUrl: zone.zoneUrl },
      controllers: [VaultRoutes],
      logger,
    });
    try {
      const lines = logger.lines.filter((line) => line.text.includes('application credential'));
      expect(lines).toHaveLength(1);
      expect(lines[0]?.level).toBe('warn');
      expect(lines[0]?.text).toContain('eks_workload_identity from KEYCARD_WORKLOAD_IDENTITY_TOKEN_FILE');
      expect(lines[0]?.text).toContain('ignored (lower precedence or incomplete): AWS_WEB_IDENTITY_TOKEN_FILE');
      expect(logger.text).not.toContain(assertion);

      const { body } = await app.get<GrantReport>('/vault/both', await zone.mintAccessToken({ sub: 'kai', resource: MCP_RESOURCE }));
      expect(body.resources[API]?.token).toMatchObject({ aud: API, sub: 'kai', clientId: 'k8s-mcp-server' });
      expect(zone.exchangeRequests[0]).toMatchObject({ clientAuthMethod: 'workload_identity', form: { client_assertion: assertion } });
    } finally {
      await app.close();
    }
  });

  it('reads the variables through ConfigService too (one line, nothing ignored when only one credential is named)', async () => {
    const logger = new CapturingLogger();
    const app = await startParityApp({
      keycard: { zoneUrl: zone.zoneUrl },
      controllers: [],
      imports: [await ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ KEYCARD_CLIENT_ID: 'demo-client', KEYCARD_CLIENT_SECRET: 'demo-secret' })] })],
      logger,
    });
    try {
      const lines = logger.lines.filter((line) => line.text.includes('application credential'));
      expect(lines.map((line) => line.level)).toEqual(['log']);
      expect(lines[0]?.text).toContain('client_secret from KEYCARD_CLIENT_ID/KEYCARD_CLIENT_SECRET (env:client_secret).');
      expect(logger.text).not.toContain('demo-secret');
    } finally {
      await app.close();
    }
  });
});
