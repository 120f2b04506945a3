import { describe } from 'vitest';
import { describeDelegatedAccessServer } from './delegated-access.scenarios.js';

describe('official MCP SDK (createMcpHandler) in a Nest controller behind KeycardAuthGuard: apps/delegated-access-sdk', () => {
  describeDelegatedAccessServer({
    load: async () => (await import('../../apps/delegated-access-sdk/src/delegated-access-sdk.app.js')).createDelegatedAccessSdkApp,
    platforms: ['express', 'fastify'],
    listsToolsBeyondScope: true,
  });
});
