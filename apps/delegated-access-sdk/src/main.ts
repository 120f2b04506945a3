import { createDelegatedAccessSdkApp } from './delegated-access-sdk.app.js';

// Run against a Keycard zone: KEYCARD_ZONE_URL (or KEYCARD_ZONE_ID), MCP_SERVER_URL, the
// application credential (KEYCARD_CLIENT_ID + KEYCARD_CLIENT_SECRET, ...) and DEMO_API_URL.
// `npm start -- --app delegated-access-sdk` runs it with a local zone and the local API instead.
const port = Number(process.env.PORT ?? 8000);
const app = await createDelegatedAccessSdkApp({ mcpBaseUrl: process.env.MCP_SERVER_URL ?? `http://127.0.0.1:${port}` });
await app.listen(port, process.env.HOST ?? '127.0.0.1');
console.log(`delegated-access-sdk MCP server: ${await app.getUrl()}/mcp`);
