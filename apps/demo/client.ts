/**
 * `npm run demo:client [-- <MCP URL>] [--era legacy|auto]` (default URL: MCP_URL, else
 * MCP_SERVER_URL + /mcp, else http://127.0.0.1:$PORT/mcp): a real MCP client (the official
 * `@modelcontextprotocol/client`) against the running demo, printing every step: the 401
 * challenge, discovery, client registration, authorization code + PKCE (automatic development
 * login), the token (as claims, never the token), and the tool calls with their results.
 */
import { type CallToolResult, type FetchLike, type VersionNegotiationMode } from '@modelcontextprotocol/client';
import { demoClientUrl } from './client-url.js';
import { callToolWithStepUp, connectWithDevLogin, DevLoginOAuthProvider } from './dev-login.js';

const args = process.argv.slice(2);
const eraIndex = args.indexOf('--era');
const era: VersionNegotiationMode = eraIndex >= 0 && args[eraIndex + 1] === 'legacy' ? 'legacy' : 'auto';
const positional = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--era');
const serverUrl = demoClientUrl(positional, process.env);

let step = 0;
const say = (text: string): void => console.log(`\n${String(++step).padStart(2)}. ${text}`);
const detail = (text: string): void => console.log(`      ${text}`);

/** Prints each HTTP exchange of the client (method, URL, status, challenge), never headers or bodies with tokens. */
const printingFetch: FetchLike = async (input, init) => {
  const url = new URL(String(input));
  const method = init?.method ?? 'GET';
  const response = await fetch(input, init);
  const shown = url.pathname.startsWith('/auth') ? `${url.origin}${url.pathname}?…` : `${url.origin}${url.pathname}`;
  detail(`${method.padEnd(4)} ${shown} → ${response.status}`);
  const challenge = response.headers.get('www-authenticate');
  if (challenge && (response.status === 401 || response.status === 403)) detail(`     WWW-Authenticate: ${challenge}`);
  if (response.ok && url.pathname.startsWith('/.well-known/')) {
    const body = (await response.clone().json()) as Record<string, unknown>;
    const keys = url.pathname.includes('protected-resource')
      ? ['resource', 'authorization_servers', 'scopes_supported', 'resource_name']
      : ['issuer', 'authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'code_challenge_methods_supported'];
    for (const key of keys) if (body[key] !== undefined) detail(`     ${key}: ${JSON.stringify(body[key])}`);
  }
  return response;
};

function printResult(result: CallToolResult): void {
  for (const block of result.content) {
    const text = block.type === 'text' ? block.text : JSON.stringify(block);
    for (const line of text.split('\n')) detail(`  ${line}`);
  }
  if (result.isError) detail('  (the tool reported an error)');
}

async function main(): Promise<void> {
  console.log(`MCP client → ${serverUrl.href} (protocol negotiation: ${era})`);
  const provider = new DevLoginOAuthProvider({ fetch: printingFetch, onStep: (text) => detail(`· ${text}`) });

  say('Connect without a token; the server challenges, the client discovers the zone, registers, and logs in');
  const connected = await connectWithDevLogin(serverUrl, provider, { versionNegotiation: era, fetch: printingFetch });
  const server = connected.client.getServerVersion();
  say(`Connected to ${server?.name ?? '?'} ${server?.version ?? ''} — protocol era ${connected.client.getProtocolEra() ?? '?'}, version ${connected.client.getNegotiatedProtocolVersion() ?? '?'}`);

  try {
    say('tools/list');
    const { tools } = await connected.client.listTools();
    for (const tool of tools) detail(`${tool.name} — ${tool.description ?? ''}`);

    const listed = new Set(tools.map((tool) => tool.name));
    for (const name of ['hello_world', 'whoami', 'list_events', 'daily_briefing']) {
      if (!listed.has(name)) continue;
      say(`tools/call ${name}`);
      printResult((await connected.client.callTool({ name, arguments: {} })) as CallToolResult);
    }
    if (listed.has('list_events')) {
      // Not necessarily listed yet: MCP-Nest hides tools whose scopes the token lacks.
      say('tools/call admin_report (needs scope demo:admin, which the token lacks: 403 insufficient_scope → step-up login → retry)');
      printResult(await callToolWithStepUp(connected, provider, 'admin_report'));
    }
  } finally {
    await connected.client.close();
  }
  console.log('\nDone.');
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const refused = /ECONNREFUSED|fetch failed/.test(message)
    ? `\nIs the demo running at ${serverUrl.href}? Start it with \`npm start\` in another terminal (same PORT / MCP_SERVER_URL), or check it: npx nestjs-keycard doctor ${serverUrl.href}`
    : '';
  console.error(`\nThe client failed: ${message}${refused}`);
  process.exitCode = 1;
});
