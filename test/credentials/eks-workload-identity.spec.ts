import { mkdir, rm, writeFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JWT_BEARER_CLIENT_ASSERTION_TYPE } from '../../src/credentials/application-credential.js';
import { EKSWorkloadIdentity } from '../../src/credentials/eks-workload-identity.credential.js';
import { KeycardCredentialError } from '../../src/errors/keycard.error.js';
import { envOf, tempDirs, thrown, tokenRequest } from './helpers.js';

const TOKEN_1 = 'eyJhbGciOiJSUzI1NiJ9.FIRST-TOKEN-CONTENT.sig1';
const TOKEN_2 = 'eyJhbGciOiJSUzI1NiJ9.SECOND-TOKEN-CONTENT.sig2';

describe('EKSWorkloadIdentity', () => {
  const dirs = tempDirs();
  let dir: string;
  let tokenFile: string;

  beforeEach(async () => {
    dir = await dirs.make('keycard-eks-');
    tokenFile = join(dir, 'token');
  });
  afterEach(() => dirs.cleanup());

  it('sends the trimmed file content as a jwt-bearer client assertion', async () => {
    await writeFile(tokenFile, `\n  ${TOKEN_1}  \n`);
    const credential = new EKSWorkloadIdentity({ tokenFilePath: tokenFile });
    await credential.initialize(envOf());
    const request = tokenRequest();
    await credential.authenticate(request);
    expect(Object.fromEntries(request.body)).toEqual({
      client_assertion_type: JWT_BEARER_CLIENT_ASSERTION_TYPE,
      client_assertion: TOKEN_1,
    });
    expect(JWT_BEARER_CLIENT_ASSERTION_TYPE).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(request.headers.has('Authorization')).toBe(false);
  });

  it('re-reads the file on every authenticate() (rotated tokens)', async () => {
    await writeFile(tokenFile, TOKEN_1);
    const credential = new EKSWorkloadIdentity({ tokenFilePath: tokenFile });
    await credential.initialize(envOf());
    const first = tokenRequest();
    await credential.authenticate(first);
    await writeFile(tokenFile, `${TOKEN_2}\n`);
    const second = tokenRequest();
    await credential.authenticate(second);
    expect(first.body.get('client_assertion')).toBe(TOKEN_1);
    expect(second.body.get('client_assertion')).toBe(TOKEN_2);
  });

  it.each([
    ['KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE', ['KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE']],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE']],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', ['AWS_WEB_IDENTITY_TOKEN_FILE']],
  ])('without the option, initialize() takes the path from %s (first set, in order)', async (winner, setVariables) => {
    await writeFile(tokenFile, TOKEN_1);
    const vars: Record<string, string> = { KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: '' };
    for (const name of setVariables) vars[name] = name === winner ? tokenFile : join(dir, 'missing');
    const credential = new EKSWorkloadIdentity();
    await credential.initialize(envOf(vars));
    expect(credential.tokenFilePath).toBe(tokenFile);
  });

  it('the option beats the env variables', async () => {
    await writeFile(tokenFile, TOKEN_1);
    const credential = new EKSWorkloadIdentity({ tokenFilePath: tokenFile });
    await credential.initialize(envOf({ KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE: join(dir, 'missing') }));
    expect(credential.tokenFilePath).toBe(tokenFile);
  });

  it('no path anywhere → credential error naming the three variables', async () => {
    const error = await thrown(() => new EKSWorkloadIdentity({ tokenFilePath: '' }).initialize(envOf()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    for (const name of ['KEYCARD_EKS_WORKLOAD_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      expect(error.message).toContain(name);
    }
  });

  it.each([
    ['missing', async (path: string) => path, /does not exist/],
    ['empty', async (path: string) => (await writeFile(path, ''), path), /is empty/],
    ['whitespace only', async (path: string) => (await writeFile(path, ' \n\t\n'), path), /is empty/],
    // Tests run as root, for whom chmod 000 does not stop reading: a directory is unreadable as a file for everyone.
    ['unreadable (a directory)', async (path: string) => (await mkdir(path), path), /is a directory/],
  ])('a %s token file fails initialize() with the path', async (_case, prepare, problem) => {
    const path = await prepare(tokenFile);
    const error = await thrown(() => new EKSWorkloadIdentity({ tokenFilePath: path }).initialize(envOf()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(problem);
  });

  it('a token file that becomes empty or disappears fails authenticate() with the path, never the old token', async () => {
    await writeFile(tokenFile, TOKEN_1);
    const credential = new EKSWorkloadIdentity({ tokenFilePath: tokenFile });
    await credential.initialize(envOf());

    await writeFile(tokenFile, '\n');
    const empty = await thrown(() => credential.authenticate(tokenRequest()));
    expect(empty).toBeInstanceOf(KeycardCredentialError);
    expect(empty.message).toContain(tokenFile);
    expect(empty.message).toMatch(/is empty/);

    await rm(tokenFile);
    const missing = await thrown(() => credential.authenticate(tokenRequest()));
    expect(missing).toBeInstanceOf(KeycardCredentialError);
    expect(missing.message).toContain(tokenFile);

    for (const error of [empty, missing]) {
      expect(`${error.message} ${String(error.cause ?? '')} ${inspect(error)}`).not.toContain('FIRST-TOKEN');
    }
  });

  it('authenticate() before initialize() (no path) is a credential error', async () => {
    const error = await thrown(() => new EKSWorkloadIdentity().authenticate(tokenRequest()));
    expect(error).toBeInstanceOf(KeycardCredentialError);
    expect(error.message).toMatch(/not initialised/);
  });

  it('never shows the token in inspect, JSON or toString', async () => {
    await writeFile(tokenFile, TOKEN_1);
    const credential = new EKSWorkloadIdentity({ tokenFilePath: tokenFile });
    await credential.initialize(envOf());
    await credential.authenticate(tokenRequest());
    for (const text of [inspect(credential, { showHidden: true }), JSON.stringify(credential), String(credential)]) {
      expect(text).not.toContain('FIRST-TOKEN');
      expect(text).toContain(tokenFile);
    }
  });
});
