/** The `code` of a Node.js system error (`ENOENT`, `EACCES`, ...), when there is one. */
export function nodeErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}
