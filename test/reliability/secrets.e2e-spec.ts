import { createPrivateKey, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplicationCredential } from '../../src/credentials/application-credential.js';
import { ClientSecret } from '../../src/credentials/client-secret.credential.js';
import { EKSWorkloadIdentity } from '../../src/credentials/eks-workload-identity.credential.js';
import { WebIdentity } from '../../src/credentials/web-identity.credential.js';
import { LocalZone } from '../../src/local-zone/index.js';
import { startApp, type RunningApp } from '../auth/fixtures/start-app.js';
import { leakedSecrets, LogTap, verboseLogger } from './fixtures/log-tap.js';
import { CALENDAR_API, NOTES_API, RESOURCE, ReliabilityAppModule, type GrantAnswer } from './fixtures/reliability-app.js';

/**
 * One application credential, set up against the zone; `secrets()` lists its secret
 * material once the app runs (the private key is only created at bootstrap).
 */
interface CredentialSetup {
  readonly credential: ApplicationCredential;
  /** Registers the client at the zone (after the app listens: WebIdentity's jwks_uri is the app). */
  register(zone: LocalZone, app: RunningApp): Promise<void>;
  /** Secret values the credential holds, as they could leak. */
  secrets(): string[];
  /** A value of the credential to put in the zone's echoed error, when it has a fixed one. */
  readonly echoed?: string;
}

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'keycard-secrets-'));
  dirs.push(dir);
  return dir;
};

function clientSecret(): CredentialSetup {
  const secret = `cs-${randomBytes(24).toString('base64url')}`;
  return {
    credential: new ClientSecret('secrets-client', secret),
    register: async (zone) => void (await zone.registerClient({ client_id: 'secrets-client', client_secret: secret })),
    secrets: () => [secret, Buffer.from(`secrets-client:${secret}`).toString('base64')],
    echoed: secret,
  };
}

function webIdentity(): CredentialSetup {
  const storageDir = tempDir();
  const credential = new WebIdentity({ serverName: 'Secrets Server', storageDir });
  return {
    credential,
    register: async (zone, app) =>
      void (await zone.registerClient({
        client_id: 'Secrets_Server',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: `${app.url}/.well-known/jwks.json`,
      })),
    secrets: () => {
      const pem = readFileSync(join(storageDir, 'Secrets_Server.pem'), 'utf8');
      const jwk = createPrivateKey(pem).export({ format: 'jwk' });
      const body = pem.split('\n').filter((line) => line && !line.startsWith('-----'));
      return [pem, ...body, ...(['d', 'p', 'q', 'dp', 'dq', 'qi'] as const).map((member) => String(jwk[member]))];
    },
  };
}

async function eksWorkloadIdentity(): Promise<CredentialSetup> {
  const issuer = 'https://oidc.eks.eu-west-1.amazonaws.com/id/SECRETS';
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'RS256', kid: 'eks-secrets' })
    .setIssuer(issuer)
    .setSubject('system:serviceaccount:mcp:secrets')
    .setAudience('keycard')
    .setIssuedAt(now)
    .setExpirationTime(now + 3600)
    .sign(privateKey);
  const tokenFilePath = join(tempDir(), 'token');
  writeFileSync(tokenFilePath, `${token}\n`, { mode: 0o600 });
  return {
    credential: new EKSWorkloadIdentity({ tokenFilePath }),
    register: async (zone) =>
      zone.registerWorkloadIdentity({
        clientId: 'eks-secrets-server',
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'eks-secrets', alg: 'RS256', use: 'sig' }] },
        issuer,
        audience: 'keycard',
      }),
    secrets: () => [token],
    echoed: token,
  };
}

const SETUPS: [string, () => CredentialSetup | Promise<CredentialSetup>][] = [
  ['ClientSecret', clientSecret],
  ['WebIdentity', webIdentity],
  ['EKSWorkloadIdentity', eksWorkloadIdentity],
];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(SETUPS)('no secret in any log line, with %s (Express, every log level)', (_name, makeSetup) => {
  const tap = new LogTap();
  const sent = new Set<string>();
  let setup: CredentialSetup;
  let zone: LocalZone;
  let running: RunningApp;

  beforeAll(async () => {
    setup = await makeSetup();
    zone = await LocalZone.start();
    tap.install();
    running = await startApp('express', ReliabilityAppModule.forRoot({ zoneUrl: zone.zoneUrl, applicationCredential: setup.credential, zoneTimeoutMs: 1000 }), {
      logger: verboseLogger(),
    });
    await setup.register(zone, running);
  });

  afterAll(async () => {
    await running?.app.close();
    await zone?.stop();
    tap.uninstall();
  });

  async function grant(token: string): Promise<{ status: number; answer: GrantAnswer }> {
    sent.add(token);
    const response = await fetch(`${running.url}/mcp/grant2`, { headers: { authorization: `Bearer ${token}` } });
    const answer = (await response.json()) as GrantAnswer;
    for (const value of Object.values(answer.tokens ?? {})) sent.add(value);
    return { status: response.status, answer };
  }

  it('exchanges, rejections, zone errors echoing secrets and outages leave no token, secret or key material in the output', async () => {
    const token = await zone.mintAccessToken({ sub: 'secrets-user', resource: RESOURCE });
    const ok = await grant(token);
    expect(ok.status).toBe(200);
    expect(ok.answer.status).toBe('success');

    // Rejected tokens: expired, wrong audience, forged signature.
    for (const bad of [
      await zone.mintAccessToken({ resource: RESOURCE, expiresIn: -60 }),
      await zone.mintAccessToken({ aud: 'https://other.example/mcp' }),
      `${token.split('.').slice(0, 2).join('.')}.${randomBytes(256).toString('base64url')}`,
    ]) {
      expect((await grant(bad)).status).toBe(401);
    }

    // The zone echoes the subject token and the credential's secret in its error description.
    const other = await zone.mintAccessToken({ sub: 'echo-user', resource: RESOURCE });
    zone.setFault('token', {
      failWith: {
        status: 400,
        body: { error: 'invalid_grant', error_description: `rejected subject ${other} sent with ${setup.echoed ?? 'no fixed secret'}` },
      },
    });
    const echoed = await grant(other);
    expect(echoed.answer.status).toBe('error');
    const description = echoed.answer.errors.resources[CALENDAR_API]?.description ?? '';
    expect(description).toContain('[redacted]');
    expect(description).not.toContain(other);
    if (setup.echoed) expect(description).not.toContain(setup.echoed);

    // The zone goes down, then hangs.
    zone.setFault('all', { down: true });
    expect((await grant(await zone.mintAccessToken({ sub: 'down-user', resource: RESOURCE }))).answer.errors.resources[NOTES_API]?.code).toBe('network_error');
    zone.setFault('all', { hang: true });
    expect((await grant(await zone.mintAccessToken({ sub: 'hang-user', resource: RESOURCE }))).answer.errors.resources[NOTES_API]?.code).toBe('timeout');
    zone.clearFaults();

    // Everything the app sent to the zone as client authentication is secret too.
    const clientAuth = zone.exchangeRequests.flatMap((record) => [
      ...(typeof record.form.client_assertion === 'string' ? [record.form.client_assertion] : []),
      ...(typeof record.form.client_secret === 'string' ? [record.form.client_secret] : []),
      ...(record.authorizationHeader ? [record.authorizationHeader, record.authorizationHeader.replace(/^\S+\s+/, '')] : []),
    ]);
    expect(clientAuth.length).toBeGreaterThan(0);

    // The scenarios were logged...
    expect(tap.linesWith('Token exchange failed for').length).toBeGreaterThan(0);
    expect(tap.linesWith('Rejected a bearer token').length).toBeGreaterThan(0);
    // ...without any of it.
    expect(leakedSecrets(tap.text, [...sent, ...setup.secrets(), ...clientAuth], 10)).toEqual([]);
  }, 60_000);
});
