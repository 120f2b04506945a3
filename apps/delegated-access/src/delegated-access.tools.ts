import { Payload } from '@nestjs/microservices';
import { McpController, McpRawRequest, Tool, ToolScopes } from '@rekog/mcp-nest';
import { AccessContext, AccessCtx, Grant, type KeycardUser } from 'nestjs-keycard';
import { CALENDAR_API, getWithToken, PAYROLL_API } from '../../shared/demo-apis.js';
import { briefing, result, toolError, type ToolResult } from '../../shared/tool-results.js';

/** The scope every call to this server needs (the module's `requiredScopes`): clients ask for it at login. */
export const TOOLS_SCOPE = 'mcp:tools';

/** The scope the `admin_report` tool needs on top; tokens get it only by stepping up. */
export const ADMIN_SCOPE = 'demo:admin';

/**
 * Tools that call downstream APIs on the caller's behalf. `@Grant(resource)` exchanges the
 * caller's token (RFC 8693) for one meant for that API before the tool runs; the tool reads
 * it with `@AccessCtx()`. The caller's own token never leaves this server.
 */
@McpController()
export class DelegatedAccessTools {
  @Tool({
    name: 'whoami',
    description: 'Shows the subject, client and scopes of your access token (no downstream call).',
  })
  whoami(@Payload() _args: Record<string, never>, @McpRawRequest() req: { user?: KeycardUser }): ToolResult {
    const user = req.user;
    if (!user) return toolError('No verified token on this request.');
    return result({ sub: user.sub, clientId: user.clientId ?? null, scopes: user.scopes, resource: user.resource });
  }

  @Tool({
    name: 'list_events',
    description: "Lists your events from the calendar API, with a token exchanged for that API.",
  })
  @Grant(CALENDAR_API)
  async listEvents(@Payload() _args: Record<string, never>, @AccessCtx() access: AccessContext): Promise<ToolResult> {
    if (access.hasErrors()) {
      return toolError(`No token for the calendar API: ${describeError(access, CALENDAR_API)}`);
    }
    const answer = await getWithToken(`${CALENDAR_API}/events`, access.access(CALENDAR_API).accessToken);
    return answer.ok ? result(answer.body) : toolError(answer.error);
  }

  @Tool({
    name: 'daily_briefing',
    description:
      'Combines your calendar and your payslips. Two downstream APIs, two token exchanges: ' +
      'what succeeds is shown even when the other fails (partial errors).',
  })
  @Grant([CALENDAR_API, PAYROLL_API])
  async dailyBriefing(@Payload() _args: Record<string, never>, @AccessCtx() access: AccessContext): Promise<ToolResult> {
    return briefing(access, [
      { name: 'calendar', resource: CALENDAR_API, path: '/events' },
      { name: 'payroll', resource: PAYROLL_API, path: '/payslips' },
    ]);
  }

  @Tool({
    name: 'admin_report',
    description: `An administrator report. Needs the "${ADMIN_SCOPE}" scope: without it the server answers 403 insufficient_scope and the client steps up.`,
  })
  // Every scope the call needs, so that the 403 names them all and the stepped-up token keeps TOOLS_SCOPE.
  @ToolScopes([TOOLS_SCOPE, ADMIN_SCOPE])
  adminReport(@Payload() _args: Record<string, never>, @McpRawRequest() req: { user?: KeycardUser }): ToolResult {
    return result({ report: 'all systems nominal', requestedBy: req.user?.sub ?? null, scopes: req.user?.scopes ?? [] });
  }
}

function describeError(access: AccessContext, resource: string): string {
  const error = access.getError() ?? access.getResourceErrors(resource);
  if (!error) return 'unknown error';
  return [error.message, error.code, error.description].filter(Boolean).join(' — ');
}
