import { createHelloWorldApp } from './hello-world.app.js';

// Run against a Keycard zone: KEYCARD_ZONE_URL (or KEYCARD_ZONE_ID) and MCP_SERVER_URL.
// `npm start -- --app hello-world` runs it against a local zone instead.
const port = Number(process.env.PORT ?? 8000);
const app = await createHelloWorldApp({ mcpBaseUrl: process.env.MCP_SERVER_URL ?? `http://127.0.0.1:${port}` });
await app.listen(port, process.env.HOST ?? '127.0.0.1');
console.log(`hello-world MCP server: ${await app.getUrl()}/mcp`);
