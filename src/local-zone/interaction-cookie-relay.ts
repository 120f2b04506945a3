import type { IncomingMessage } from 'node:http';

import { INTERACTION_PATH_PREFIX, ROUTES } from './local-zone.constants.js';

/** How long the cookies of an unfinished interaction are kept (oidc-provider's interaction TTL). */
export const INTERACTION_TTL_SECONDS = 600;

const UID_PATH = new RegExp(`^(?:${INTERACTION_PATH_PREFIX}|${ROUTES.authorization}/)([A-Za-z0-9_-]+)$`);
const INTERACTION_LOCATION = new RegExp(`${INTERACTION_PATH_PREFIX}([A-Za-z0-9_-]+)(?:[?#]|$)`);

interface Jar {
  readonly cookies: Map<string, string>;
  readonly expiresAt: number;
}

/** The uid in `/interaction/<uid>` or `/auth/<uid>`, if the path is one of those. */
function interactionUid(path: string): string | undefined {
  return UID_PATH.exec(path)?.[1];
}

function cookieNames(header: string | undefined): Set<string> {
  const names = new Set<string>();
  for (const part of (header ?? '').split(';')) {
    const name = part.split('=')[0]?.trim();
    if (name) names.add(name);
  }
  return names;
}

/**
 * Lets cookie-less clients (a headless MCP client using `fetch`, which follows redirects
 * but keeps no cookies) finish oidc-provider's login interaction. oidc-provider ties
 * `/interaction/<uid>` and the resume at `/auth/<uid>` to signed cookies it sets when the
 * authorization request starts; the relay keeps those cookies per interaction uid (taken
 * from the redirect) and adds them to later requests for that uid that lack them.
 * Browsers, which send the cookies themselves, are unaffected.
 */
export class InteractionCookieRelay {
  private readonly jars = new Map<string, Jar>();

  /** Adds the cookies kept for this path's interaction that the request does not carry. */
  inject(req: IncomingMessage, path: string): void {
    const uid = interactionUid(path);
    const jar = uid === undefined ? undefined : this.jars.get(uid);
    if (!jar || jar.expiresAt <= Date.now()) return;
    const present = cookieNames(req.headers.cookie);
    const missing = [...jar.cookies].filter(([name]) => !present.has(name)).map(([n, v]) => `${n}=${v}`);
    if (missing.length === 0) return;
    req.headers.cookie = [req.headers.cookie, ...missing].filter(Boolean).join('; ');
  }

  /** Keeps the cookies of a response that redirects to a new interaction. */
  capture(location: unknown, setCookie: unknown): void {
    if (typeof location !== 'string') return;
    const uid = INTERACTION_LOCATION.exec(location)?.[1];
    if (uid === undefined) return;
    const headers = Array.isArray(setCookie) ? setCookie : typeof setCookie === 'string' ? [setCookie] : [];
    const cookies = new Map<string, string>();
    for (const header of headers) {
      const pair = String(header).split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const value = pair.slice(eq + 1).trim();
      if (value) cookies.set(pair.slice(0, eq).trim(), value);
    }
    if (cookies.size === 0) return;
    this.prune();
    this.jars.set(uid, { cookies, expiresAt: Date.now() + INTERACTION_TTL_SECONDS * 1000 });
  }

  /** Drops an interaction's cookies once it resumed. */
  forget(path: string): void {
    if (!path.startsWith(`${ROUTES.authorization}/`)) return;
    const uid = interactionUid(path);
    if (uid !== undefined) this.jars.delete(uid);
  }

  private prune(): void {
    const now = Date.now();
    for (const [uid, jar] of this.jars) if (jar.expiresAt <= now) this.jars.delete(uid);
  }
}
