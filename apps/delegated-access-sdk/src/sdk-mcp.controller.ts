import { Controller, Delete, Get, Post, Req, Res, UseGuards, type OnModuleDestroy } from '@nestjs/common';
import { toNodeHandler, type NodeIncomingMessageLike, type NodeMcpRequestHandler, type NodeServerResponseLike } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import { GrantService, KeycardAuthGuard } from 'nestjs-keycard';
import { createDelegatedAccessServer } from './delegated-access.server.js';

/** An Express request, or a Fastify request (`raw` is the Node request below it). */
interface HttpRequest extends NodeIncomingMessageLike {
  body?: unknown;
  raw?: NodeIncomingMessageLike;
}

/** An Express response, or a Fastify reply (`raw` is the Node response, `hijack()` takes it over). */
interface HttpResponse extends Partial<NodeServerResponseLike> {
  raw?: NodeServerResponseLike;
  hijack?: () => void;
}

/**
 * Serves an MCP server built with the official SDK (`createMcpHandler`, both protocol eras)
 * at `/mcp`, behind `KeycardAuthGuard`. The guard verifies the bearer token and sets
 * `req.auth` (the SDK's `AuthInfo`); `toNodeHandler` passes it on as the handlers'
 * `ctx.http.authInfo`, where `withGrant` finds the caller's token.
 */
@Controller('mcp')
@UseGuards(KeycardAuthGuard)
export class SdkMcpController implements OnModuleDestroy {
  private readonly mcp: McpHttpHandler;
  private readonly handle: NodeMcpRequestHandler;

  constructor(grants: GrantService) {
    this.mcp = createMcpHandler(() => createDelegatedAccessServer(grants));
    this.handle = toNodeHandler(this.mcp);
  }

  @Post()
  post(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    return this.serve(req, res);
  }

  @Get()
  get(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    return this.serve(req, res);
  }

  @Delete()
  delete(@Req() req: HttpRequest, @Res() res: HttpResponse): Promise<void> {
    return this.serve(req, res);
  }

  async onModuleDestroy(): Promise<void> {
    await this.mcp.close();
  }

  private serve(req: HttpRequest, res: HttpResponse): Promise<void> {
    if (req.raw && res.raw && res.hijack) {
      // Fastify: the SDK writes the Node response itself. The guard set `auth` on `req.raw` too.
      res.hijack();
      return this.handle(req.raw, res.raw, req.body);
    }
    // Express: the request and response are Node's; the JSON body is already parsed.
    return this.handle(req, res as NodeServerResponseLike, req.body);
  }
}
