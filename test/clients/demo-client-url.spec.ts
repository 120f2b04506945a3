import { describe, expect, it } from 'vitest';
import { clientUrlNotice, demoClientUrl } from '../../apps/demo/client-url.js';

describe('npm run demo:client follows the demo server settings', () => {
  it('the argument, then MCP_URL, then MCP_SERVER_URL + /mcp, then PORT', () => {
    expect(demoClientUrl(['http://127.0.0.1:1234/mcp'], { MCP_URL: 'http://127.0.0.1:9/mcp', PORT: '7' }).href).toBe('http://127.0.0.1:1234/mcp');
    expect(demoClientUrl([], { MCP_URL: 'http://127.0.0.1:9/mcp', PORT: '7' }).href).toBe('http://127.0.0.1:9/mcp');
    expect(demoClientUrl([], { MCP_SERVER_URL: 'http://localhost:8123', PORT: '7' }).href).toBe('http://localhost:8123/mcp');
    expect(demoClientUrl([], { MCP_SERVER_URL: 'https://example.com/base/' }).href).toBe('https://example.com/base/mcp');
    expect(demoClientUrl([], { PORT: '8300' }).href).toBe('http://127.0.0.1:8300/mcp');
    expect(demoClientUrl([], {}).href).toBe('http://127.0.0.1:8000/mcp');
  });

  it('the banner names the exact URL and warns that localhost is not 127.0.0.1', () => {
    const lines = clientUrlNotice('http://127.0.0.1:8000/mcp').join('\n');
    expect(lines).toContain('Give clients exactly http://127.0.0.1:8000/mcp');
    expect(lines).toContain('not http://localhost:8000/mcp: localhost and 127.0.0.1 are different resources');
    expect(lines).toContain('npx nestjs-keycard doctor http://127.0.0.1:8000/mcp');
    expect(clientUrlNotice('https://mcp.example.com/mcp').join('\n')).not.toContain('localhost');
  });
});
