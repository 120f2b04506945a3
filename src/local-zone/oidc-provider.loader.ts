import { LocalZoneError } from './local-zone.error.js';

/**
 * Loads the optional peer dependency `oidc-provider` for the whole of LocalZone. A dynamic
 * import (awaited at the top level) instead of a static one: a missing static import fails
 * while Node links the module graph, before any of our code runs, with a bare
 * "Cannot find package"; this way `import 'nestjs-keycard/local-zone'` fails with a message
 * that says what to install, and `nestjs-keycard/testing` never loads this file at all.
 */
const UNSUPPORTED_RUNTIME_WARNING = 'oidc-provider WARNING: Unsupported runtime.';

/**
 * oidc-provider 9 prints "Unsupported runtime. Use Node.js v22.x LTS" once when it is loaded
 * on an LTS line older than 22 (it checks `process.release.lts` only). This library supports
 * LocalZone on Node 20.19+ (CI runs the whole suite on Node 20 and 22), so that one line is
 * dropped while the module loads; every other console.warn line passes through.
 */
async function importQuietly(): Promise<typeof import('oidc-provider')> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes(UNSUPPORTED_RUNTIME_WARNING)) return;
    warn.apply(console, args);
  };
  try {
    return await import('oidc-provider');
  } finally {
    console.warn = warn;
  }
}

function isMissingOidcProvider(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === 'ERR_MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.includes("'oidc-provider'");
}

async function load(): Promise<typeof import('oidc-provider')> {
  try {
    return await importQuietly();
  } catch (err) {
    if (!isMissingOidcProvider(err)) throw err;
    throw new LocalZoneError(
      'nestjs-keycard/local-zone needs the optional peer dependency "oidc-provider" (v9), which is not installed. ' +
        'Install it beside nestjs-keycard: npm install --save-dev oidc-provider@^9',
      { cause: err },
    );
  }
}

export const { Provider, errors } = await load();
export type Provider = InstanceType<typeof Provider>;
