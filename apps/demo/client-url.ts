/**
 * The MCP URL `npm run demo:client` connects to: the first argument, else `MCP_URL`, else
 * `MCP_SERVER_URL` + `/mcp` (the demo server's public base URL), else `http://127.0.0.1:$PORT/mcp`
 * (the port `npm start` listens on, default 8000) — so the client follows the server's settings.
 */
export function demoClientUrl(positional: readonly string[], env: Readonly<Record<string, string | undefined>>): URL {
  if (positional[0]) return new URL(positional[0]);
  if (env.MCP_URL) return new URL(env.MCP_URL);
  if (env.MCP_SERVER_URL) return new URL('mcp', env.MCP_SERVER_URL.endsWith('/') ? env.MCP_SERVER_URL : `${env.MCP_SERVER_URL}/`);
  return new URL(`http://127.0.0.1:${env.PORT || '8000'}/mcp`);
}

/** The host a URL uses, spelled the other way round for loopback (`localhost` ⇄ `127.0.0.1`), if it is loopback. */
function otherLoopbackSpelling(url: URL): string | undefined {
  if (url.hostname === '127.0.0.1') return url.href.replace('//127.0.0.1', '//localhost');
  if (url.hostname === 'localhost') return url.href.replace('//localhost', '//127.0.0.1');
  return undefined;
}

/** Banner lines naming the exact URL to give clients, and why `localhost` is not `127.0.0.1` to them. */
export function clientUrlNotice(mcpUrl: string): string[] {
  const other = otherLoopbackSpelling(new URL(mcpUrl));
  return [
    `Give clients exactly ${mcpUrl}`,
    ...(other
      ? [
          `  (not ${other}: localhost and 127.0.0.1 are different resources to OAuth clients,`,
          '   discovery fails when the URL differs from the one the server names; set MCP_SERVER_URL to change it)',
        ]
      : []),
    `  Check what a client will see:  npx nestjs-keycard doctor ${mcpUrl}`,
  ];
}
