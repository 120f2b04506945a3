import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AccessContext, Grant, GrantInterceptor, type GrantService, type GrantSubject, type UserIdentifierContext } from 'nestjs-keycard';

const API = 'https://api.example.com';

/** An MCP-Nest tool call as Nest hands it to interceptors: an `rpc` context whose data are the tool's arguments. */
function toolCall(handler: object, target: object, args: unknown, request: object): ExecutionContext {
  const rpc = { getData: () => args, getContext: () => ({ getRawRequest: () => request }) };
  return {
    getType: () => 'rpc',
    getHandler: () => handler,
    getClass: () => target,
    switchToRpc: () => rpc,
    switchToHttp: () => {
      throw new Error('not http');
    },
  } as unknown as ExecutionContext;
}

describe('userIdentifier in an MCP-Nest tool call', () => {
  it('gets the tool’s arguments, the raw request and the verified caller', async () => {
    const seen: UserIdentifierContext[] = [];
    class Tools {
      @Grant(API, {
        userIdentifier: (context) => {
          seen.push(context);
          return (context.args as { user: string }).user;
        },
      })
      lookup(): string {
        return 'ran';
      }
    }
    const names: string[] = [];
    const grants = {
      async grant(subject: GrantSubject): Promise<AccessContext> {
        names.push(await subject.userIdentifier!());
        return new AccessContext();
      },
    } as unknown as GrantService;
    const request = { headers: {}, user: { sub: 'admin' }, auth: { token: 'caller-token' } };
    const interceptor = new GrantInterceptor(new Reflector(), grants);
    const next: CallHandler = { handle: () => of('ran') };

    const result = await firstValueFrom(interceptor.intercept(toolCall(Tools.prototype.lookup, Tools, { user: 'alice', q: 'x' }, request), next));

    expect(result).toBe('ran');
    expect(names).toEqual(['alice']);
    expect(seen[0]).toMatchObject({ args: { user: 'alice', q: 'x' }, request, user: { sub: 'admin' } });
  });
});

describe('fail closed without an application credential', () => {
  it('the exchange client refuses a substitute-user exchange without one, before sending anything', async () => {
    const { TokenExchangeClient } = await import('../../src/grant/token-exchange.client.js');
    const { substituteUserToken, SUBSTITUTE_USER_TOKEN_TYPE } = await import('../../src/grant/substitute-user-token.js');
    let sent = 0;
    const client = new TokenExchangeClient({
      timeoutMs: 1000,
      fetch: (() => {
        sent += 1;
        return Promise.reject(new Error('must not be called'));
      }) as typeof fetch,
    });

    const error = await client
      .exchange({
        metadata: { token_endpoint: 'http://127.0.0.1:1/token', issuer: 'http://127.0.0.1:1' },
        subjectToken: substituteUserToken('alice'),
        subjectTokenType: SUBSTITUTE_USER_TOKEN_TYPE,
        resource: API,
      })
      .catch((thrown: unknown) => thrown);

    expect(error).toMatchObject({ code: 'credential_error', retryable: false });
    expect(sent).toBe(0);
  });

  it('substituteUserToken is header.payload. with Keycard’s typ, alg none and the sub', async () => {
    const { substituteUserToken } = await import('../../src/grant/substitute-user-token.js');
    const token = substituteUserToken('user@example.com');
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ typ: 'vnd.kc.su+jwt', alg: 'none' });
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toEqual({ sub: 'user@example.com' });
    expect(signature).toBe('');
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.$/);
  });
});
