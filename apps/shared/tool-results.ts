import type { AccessContext } from 'nestjs-keycard';
import { getWithToken } from './demo-apis.js';

/** An MCP tool result (the subset these tools return). */
export interface ToolResult {
  [key: string]: unknown;
  content: Array<{ type: 'text'; text: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** A successful result: the value as JSON text, and as structured content when it is an object. */
export function result(value: unknown): ToolResult {
  const structured = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], ...(structured && { structuredContent: structured }) };
}

/** A tool-level error (`isError: true`): the model sees the message, the call itself succeeds. */
export function toolError(message: string): ToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** One downstream API a briefing reads from. */
export interface BriefingSource {
  readonly name: string;
  readonly resource: string;
  /** Path below the resource URL to GET. */
  readonly path: string;
}

/**
 * Reads every source whose token exchange succeeded, and reports the others: a partial
 * error keeps what worked. `status` is the AccessContext's (`success`, `partial_error`, `error`).
 */
export async function briefing(access: AccessContext, sources: readonly BriefingSource[]): Promise<ToolResult> {
  const sections: Record<string, unknown> = {};
  await Promise.all(
    sources.map(async (source) => {
      if (access.hasError() || access.hasResourceError(source.resource)) {
        const error = access.getError() ?? access.getResourceErrors(source.resource);
        sections[source.name] = { error: error?.message, code: error?.code ?? null, description: error?.description ?? null };
        return;
      }
      const answer = await getWithToken(`${source.resource}${source.path}`, access.access(source.resource).accessToken);
      sections[source.name] = answer.ok ? answer.body : { error: answer.error };
    }),
  );
  const summary = { status: access.getStatus(), failed: access.getFailedResources(), ...orderBy(sources, sections) };
  return { ...result(summary), ...(access.getStatus() === 'error' && { isError: true }) };
}

function orderBy(sources: readonly BriefingSource[], sections: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(sources.map((source) => [source.name, sections[source.name]]));
}
