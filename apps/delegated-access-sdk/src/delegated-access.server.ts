import { McpServer, requireScopes, type CallToolResult, type ServerContext } from '@modelcontextprotocol/server';
import type { AccessContext, GrantService } from 'nestjs-keycard';
import { CALENDAR_API, getWithToken, PAYROLL_API } from '../../shared/demo-apis.js';
import { briefing, result, toolError } from '../../shared/tool-results.js';

/** The scope every call to this server needs (the module's `requiredScopes`): clients ask for it at login. */
export const TOOLS_SCOPE = 'mcp:tools';

/** The scope the `admin_report` tool needs on top; tokens get it only by stepping up. */
export const ADMIN_SCOPE = 'demo:admin';

/**
 * The delegated-access tools, registered with the official MCP SDK. These handlers are not
 * Nest handlers, so `@Grant` cannot wrap them: `grants.withGrant(resources, handler)` does
 * the same — it exchanges the caller's token (from `ctx.http.authInfo`, which
 * `KeycardAuthGuard` filled as `req.auth`) and passes the `AccessContext` as the last argument.
 *
 * Called once per HTTP request by `createMcpHandler` (stateless serving, both protocol eras).
 */
export function createDelegatedAccessServer(grants: GrantService): McpServer {
  const server = new McpServer({ name: 'delegated-access-sdk', version: '0.1.0' });

  server.registerTool(
    'whoami',
    { description: 'Shows the subject, client and scopes of your access token (no downstream call).' },
    (ctx: ServerContext): CallToolResult => {
      const authInfo = ctx.http?.authInfo;
      if (!authInfo) return toolError('No verified token on this request.');
      return result({
        sub: typeof authInfo.extra?.sub === 'string' ? authInfo.extra.sub : null,
        clientId: authInfo.clientId,
        scopes: authInfo.scopes,
        resource: authInfo.resource?.href ?? null,
      });
    },
  );

  server.registerTool(
    'list_events',
    { description: 'Lists your events from the calendar API, with a token exchanged for that API.' },
    grants.withGrant(CALENDAR_API, async (_ctx: ServerContext, access: AccessContext): Promise<CallToolResult> => {
      if (access.hasErrors()) {
        const error = access.getError() ?? access.getResourceErrors(CALENDAR_API);
        return toolError(`No token for the calendar API: ${[error?.message, error?.code, error?.description].filter(Boolean).join(' — ')}`);
      }
      const answer = await getWithToken(`${CALENDAR_API}/events`, access.access(CALENDAR_API).accessToken);
      return answer.ok ? result(answer.body) : toolError(answer.error);
    }),
  );

  server.registerTool(
    'daily_briefing',
    {
      description:
        'Combines your calendar and your payslips. Two downstream APIs, two token exchanges: ' +
        'what succeeds is shown even when the other fails (partial errors).',
    },
    grants.withGrant([CALENDAR_API, PAYROLL_API], (_ctx: ServerContext, access: AccessContext) =>
      briefing(access, [
        { name: 'calendar', resource: CALENDAR_API, path: '/events' },
        { name: 'payroll', resource: PAYROLL_API, path: '/payslips' },
      ]),
    ),
  );

  server.registerTool(
    'admin_report',
    {
      description: `An administrator report. Needs the "${ADMIN_SCOPE}" scope: without it the server answers 403 insufficient_scope and the client steps up.`,
      // The SDK's per-tool scope challenge: 403 + WWW-Authenticate before the handler runs.
      // Every scope the call needs, so that the stepped-up token keeps TOOLS_SCOPE.
      scopeChallenge: requireScopes(TOOLS_SCOPE, ADMIN_SCOPE),
    },
    (ctx: ServerContext): CallToolResult =>
      result({ report: 'all systems nominal', scopes: ctx.http?.authInfo?.scopes ?? [] }),
  );

  return server;
}
