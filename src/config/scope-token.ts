/**
 * RFC 6749 §3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )` — printable ASCII except
 * space, `"` and `\`. A scope value is scope-tokens separated by single spaces.
 */
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Whether `value` is one RFC 6749 scope-token. */
export function isScopeToken(value: unknown): value is string {
  return typeof value === 'string' && SCOPE_TOKEN.test(value);
}

/**
 * The problem with a list of configured scope-tokens, naming each bad one and saying what
 * is allowed; `undefined` when every entry is a scope-token. `setting` names where they come
 * from, e.g. `requiredScopes` or `@RequireScopes()`.
 */
export function scopeTokenProblem(setting: string, scopes: readonly unknown[]): string | undefined {
  const bad = scopes.filter((scope) => !isScopeToken(scope));
  if (bad.length === 0) return undefined;
  return (
    `${setting} has ${bad.length === 1 ? 'a scope that is' : 'scopes that are'} not an RFC 6749 scope-token: ` +
    `${bad.map((scope) => JSON.stringify(scope)).join(', ')}. A scope is one or more printable ASCII characters ` +
    'other than space, `"` and `\\` (no tabs, non-breaking or other Unicode spaces, no accents); ' +
    'list several scopes as separate strings.'
  );
}

/**
 * The problem with a scope value written as one string (`"read write"`): scope-tokens
 * separated by spaces (repeated, leading or trailing spaces are tolerated and dropped, as
 * the exchange does). `undefined` when it is well-formed.
 */
export function scopeStringProblem(setting: string, value: string): string | undefined {
  return scopeTokenProblem(setting, value.split(' ').filter((token) => token !== ''));
}
