import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { ExchangeCacheEntry, ExchangeCacheKey } from './exchange-cache.js';
import { normalizeScope } from './exchange-cache-key.js';

/**
 * Encryption of exchanged tokens kept in a shared store. Two 32-byte keys are derived from
 * the subject token with HKDF-SHA256 under different labels: one names the entry (an HMAC
 * of resource and scope, so the name reveals neither the token nor the other key), the
 * other encrypts it (AES-256-GCM, random 96-bit IV, the name as additional data so an entry
 * cannot be moved under another name). Without the subject token a stored value is noise.
 */
const ID_LABEL = 'nestjs-keycard/exchange-cache/id/v1';
const SEAL_LABEL = 'nestjs-keycard/exchange-cache/seal/v1';
const SALT = Buffer.from('nestjs-keycard', 'utf8');
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The shared-store key of (subject token, resource, scope). */
export function sharedExchangeCacheKey(subjectToken: string, resource: string, scope: string | readonly string[] | undefined): ExchangeCacheKey {
  const token = Buffer.from(subjectToken, 'utf8');
  const idKey = Buffer.from(hkdfSync('sha256', token, SALT, ID_LABEL, 32));
  const normalized = normalizeScope(scope);
  const id = createHmac('sha256', idKey).update(`${resource.length}:${resource}${normalized}`, 'utf8').digest('hex');
  const secret = new Uint8Array(hkdfSync('sha256', token, SALT, SEAL_LABEL, 32));
  return Object.freeze({ id, secret });
}

/** What a sealed value holds: the entry and when it stops being served. */
export interface SealedExchange {
  readonly entry: ExchangeCacheEntry;
  readonly expiresAtMs: number;
}

/** `v1.<iv>.<ciphertext>.<tag>` (base64url) of the entry, bound to `key.id`. */
export function sealExchange(key: ExchangeCacheKey, value: SealedExchange): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.secret, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(key));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The value sealed under `key`, or `undefined` when it is not one (another key, tampered, foreign). */
export function openExchange(key: ExchangeCacheKey, sealed: string): SealedExchange | undefined {
  const [version, iv, body, tag, extra] = sealed.split('.');
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined || extra !== undefined) return undefined;
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.secret, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(key));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error: unknown) {
    // Authentication failed: not sealed under this key (or altered). Treated as a miss.
    if (error instanceof Error) return undefined;
    throw error;
  }
  return parseSealed(plain);
}

function aad(key: ExchangeCacheKey): Buffer {
  return Buffer.from(`${VERSION}:${key.id}`, 'utf8');
}

function parseSealed(plain: string): SealedExchange | undefined {
  const value = JSON.parse(plain) as Partial<SealedExchange> | null;
  const entry = value?.entry;
  if (
    typeof value?.expiresAtMs !== 'number' ||
    typeof entry?.obtainedAtMs !== 'number' ||
    typeof entry.response?.accessToken !== 'string' ||
    typeof entry.response.tokenType !== 'string'
  ) {
    return undefined;
  }
  return { entry: { response: Object.freeze({ ...entry.response }), obtainedAtMs: entry.obtainedAtMs }, expiresAtMs: value.expiresAtMs };
}
