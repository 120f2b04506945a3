import { Payload } from '@nestjs/microservices';
import { McpController, McpRawRequest, Tool } from '@rekog/mcp-nest';
import type { KeycardAuthInfo, KeycardUser } from 'nestjs-keycard';
import { z } from 'zod';

/** The raw HTTP request a tool sees, after `KeycardAuthGuard` verified its bearer token. */
interface VerifiedRequest {
  user?: KeycardUser;
  auth?: KeycardAuthInfo;
}

function text(value: string): { content: [{ type: 'text'; text: string }] } {
  return { content: [{ type: 'text', text: value }] };
}

/** Tools that greet the caller: who that is comes from the verified token (`req.user`). */
@McpController()
export class HelloWorldTools {
  @Tool({
    name: 'hello_world',
    description: 'Greets the signed-in user by the subject of their access token.',
    parameters: z.object({ greeting: z.string().default('Hello') }),
  })
  helloWorld(@Payload() { greeting }: { greeting: string }, @McpRawRequest() req: VerifiedRequest) {
    const sub = req.user?.sub;
    return text(sub ? `${greeting}, ${sub}!` : `${greeting}, whoever you are (no verified token on this request).`);
  }

  @Tool({
    name: 'whoami',
    description: 'Shows who the MCP server thinks is calling: subject, client and scopes of the access token.',
  })
  whoami(@Payload() _args: Record<string, never>, @McpRawRequest() req: VerifiedRequest) {
    const user = req.user;
    if (!user) return { ...text('No verified token on this request.'), isError: true };
    const summary = {
      sub: user.sub,
      clientId: user.clientId ?? null,
      scopes: user.scopes,
      resource: user.resource,
      expiresAt: new Date(user.expiresAt * 1000).toISOString(),
      // The same caller as the MCP SDK sees it (`AuthInfo`), without the token itself.
      authInfo: req.auth ? { clientId: req.auth.clientId, scopes: req.auth.scopes, resource: req.auth.resource?.href ?? null } : null,
    };
    return { content: [{ type: 'text', text: JSON.stringify(summary, null, 2) }], structuredContent: summary };
  }
}
