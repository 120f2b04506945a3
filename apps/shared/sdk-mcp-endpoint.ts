import { Delete, Get, Post, Req, Res, type OnModuleDestroy } from '@nestjs/common';
import { toNodeHandler, type NodeIncomingMessageLike, type NodeMcpRequestHandler, type NodeServerResponseLike } from '@modelcontextprotocol/node';
import { createMcpHandler, type McpHttpHandler, type McpServer } from '@modelcontextprotocol/server';

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
 * from a Nest controller, on Express and Fastify. Subclass it with `@Controller(path)` and
 * `@UseGuards(KeycardAuthGuard)`: the guard verifies the bearer token and sets `req.auth`
 * (the SDK's `AuthInfo`), which `toNodeHandler` passes on to tool handlers as
 * `ctx.http.authInfo` — where `withGrant` finds the caller's token.
 */
export abstract class SdkMcpEndpoint implements OnModuleDestroy {
  private readonly mcp: McpHttpHandler;
  private readonly handle: NodeMcpRequestHandler;

  protected constructor(createServer: () => McpServer) {
    this.mcp = createMcpHandler(createServer);
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
