import { formatReport } from './doctor-report.js';
import { runDoctor } from './doctor.js';

const USAGE = `Usage: nestjs-keycard doctor <mcp-url> [--token <access token>] [--timeout <ms>]

Probes an MCP server the way MCP clients do (the 401 challenge, the discovery documents, a
browser's CORS preflight), then the Keycard zone it names, and prints one line per check
with what to change for each failure. Exit code 0 when every check passes, 1 otherwise.

  nestjs-keycard doctor http://127.0.0.1:8000/mcp
  nestjs-keycard doctor https://mcp.example.com/mcp --token "$ACCESS_TOKEN"`;

interface Parsed {
  readonly url: string;
  readonly token?: string;
  readonly timeoutMs?: number;
}

function parse(args: readonly string[]): Parsed | string {
  const [command, ...rest] = args;
  if (command !== 'doctor') return command === undefined || command === '--help' || command === '-h' ? '' : `unknown command "${command}"`;
  let url: string | undefined;
  let token: string | undefined;
  let timeoutMs: number | undefined;
  for (let i = 0; i < rest.length; i += 1) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h') return '';
    if (arg === '--token' || arg === '--timeout') {
      const value = rest[(i += 1)];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === '--token') token = value;
      else if (!(Number(value) > 0)) return '--timeout must be a positive number of milliseconds';
      else timeoutMs = Number(value);
    } else if (arg.startsWith('-')) {
      return `unknown option ${arg}`;
    } else if (url === undefined) {
      url = arg;
    } else {
      return `unexpected argument ${arg}`;
    }
  }
  if (url === undefined) return 'the MCP server URL is missing';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not a URL: give the full MCP endpoint URL, e.g. http://127.0.0.1:8000/mcp`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return `${url} is not an http(s) URL`;
  return { url: parsed.href, token, timeoutMs };
}

/** Where the command writes (the process's stdout and stderr, or a test's capture). */
export interface CommandOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Runs `nestjs-keycard <args>`; returns the exit code (0: every check passed; 1: a check failed, or bad usage). */
export async function runDoctorCommand(args: readonly string[], out: CommandOutput): Promise<number> {
  const parsed = parse(args);
  if (typeof parsed === 'string') {
    if (parsed) out.stderr(`nestjs-keycard: ${parsed}\n\n`);
    out.stderr(`${USAGE}\n`);
    return parsed ? 1 : 0;
  }
  const checks = await runDoctor(parsed.url, { token: parsed.token, timeoutMs: parsed.timeoutMs });
  out.stdout(`${formatReport(parsed.url, checks)}\n`);
  return checks.every((c) => c.ok) ? 0 : 1;
}

