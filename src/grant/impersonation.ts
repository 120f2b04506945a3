import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AccessContext } from './access-context.js';
import type { GrantMetadata } from './grant-options.interface.js';
import { GRANT_METADATA } from './grant.constants.js';

/** The start of the global error of a grant whose `userIdentifier` failed. */
export const USER_IDENTIFIER_FAILURE_MESSAGE = 'Failed to resolve user identifier';

/** Impersonation: the user identifier, or the context to return when it cannot be had. */
export async function resolveUserIdentifier(resolve: () => string | Promise<string>): Promise<string | AccessContext> {
  let value: unknown;
  try {
    value = await resolve();
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'the function threw a non-Error';
    return userIdentifierFailure(reason);
  }
  if (typeof value !== 'string' || value.trim() === '') {
    return userIdentifierFailure(`the function returned ${typeof value === 'string' ? 'an empty string' : typeof value}, not a user identifier`);
  }
  return value;
}

function userIdentifierFailure(reason: string): AccessContext {
  // Application text: control characters out (no forged log lines), length capped.
  // eslint-disable-next-line no-control-regex
  const description = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 300);
  const context = new AccessContext();
  context.setError({ message: `${USER_IDENTIFIER_FAILURE_MESSAGE}: ${description}`, code: 'user_identifier_error', description, retryable: false });
  return context;
}

/** `Class.method` (or `Class`) of every controller and provider whose `@Grant` impersonates. */
export function findImpersonatingGrants(discovery: DiscoveryService): string[] {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const found = new Set<string>();
  for (const wrapper of [...discovery.getControllers(), ...discovery.getProviders()]) {
    const type = wrapper.metatype;
    if (typeof type !== 'function' || !type.prototype) continue;
    const name = type.name || 'anonymous class';
    if (reflector.get<GrantMetadata | undefined>(GRANT_METADATA, type)?.userIdentifier) found.add(name);
    for (const method of scanner.getAllMethodNames(type.prototype)) {
      const handler: unknown = (type.prototype as Record<string, unknown>)[method];
      if (typeof handler !== 'function') continue;
      if (reflector.get<GrantMetadata | undefined>(GRANT_METADATA, handler)?.userIdentifier) found.add(`${name}.${method}`);
    }
  }
  return [...found];
}
