import { Controller, UseGuards, type Type } from '@nestjs/common';
import { McpHttpControllerFor, McpStrategy, StreamableHttpTransport } from '@rekog/mcp-nest';
import { KeycardAuthGuard } from 'nestjs-keycard';

/** An MCP-Nest server with its HTTP endpoint behind `KeycardAuthGuard`. */
export interface KeycardMcpEndpoint {
  /** Connect it: `app.connectMicroservice({ strategy })`, then `app.startAllMicroservices()`. */
  readonly strategy: McpStrategy;
  /** The guarded controller serving `POST/GET/DELETE /<path>`; list it in the module's `controllers`. */
  readonly controller: Type<unknown>;
}

export interface KeycardMcpEndpointOptions {
  readonly name: string;
  readonly version: string;
  /** Route of the endpoint; must match the module's `mcpPath`. Default `mcp`. */
  readonly path?: string;
}

/**
 * Wires an MCP-Nest server (`@rekog/mcp-nest` v2) to Keycard:
 *
 * - the Streamable HTTP transport does not mount itself; a Nest controller owns the route
 *   (`McpHttpControllerFor(transport)`), so `KeycardAuthGuard` runs before any MCP message
 *   is read: no token → 401 with `WWW-Authenticate: Bearer resource_metadata="..."`;
 * - the guard leaves the verified caller on the request (`req.user`, `req.auth`), which is
 *   the raw request MCP-Nest hands to tools (`@McpRawRequest()`, `ctx.getRawRequest()`),
 *   so `@Grant` / `@AccessCtx()` and `@ToolScopes()` see the caller;
 * - tools advertise `securitySchemes: [{ type: 'oauth2', scopes? }]` (never `noauth`);
 * - `stepUpAuthorization: true` answers a `tools/call` whose token lacks a tool's
 *   `@ToolScopes()` with HTTP 403 `insufficient_scope` (the challenge carries the metadata
 *   URL the guard published), so MCP clients can step up.
 *
 * One call per application instance: a transport serves one app.
 */
export function createKeycardMcpEndpoint(options: KeycardMcpEndpointOptions): KeycardMcpEndpoint {
  const transport = new StreamableHttpTransport({ stepUpAuthorization: true });
  const strategy = new McpStrategy({
    name: options.name,
    version: options.version,
    transports: [transport],
    // Every caller is authenticated (the guard runs first). With this flag MCP-Nest lists tools
    // with `securitySchemes: [{ type: 'oauth2' }]` instead of `noauth` (scoped tools:
    // `{ type: 'oauth2', scopes }`), and it hides tools from a caller without a user.
    allowUnauthenticatedAccess: true,
  });

  @Controller(options.path ?? 'mcp')
  @UseGuards(KeycardAuthGuard)
  class KeycardMcpController extends McpHttpControllerFor(transport) {}

  return { strategy, controller: KeycardMcpController };
}
