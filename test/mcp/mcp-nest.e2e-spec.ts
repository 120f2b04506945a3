import { describe } from 'vitest';
import { describeDelegatedAccessServer } from './delegated-access.scenarios.js';

describe('MCP-Nest (@rekog/mcp-nest) app behind KeycardAuthGuard: apps/delegated-access', () => {
  describeDelegatedAccessServer({
    load: async () => (await import('../../apps/delegated-access/src/delegated-access.app.js')).createDelegatedAccessApp,
    platforms: ['express', 'fastify'],
    listsToolsBeyondScope: false,
  });
});
