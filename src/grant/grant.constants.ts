/** Metadata key of `@Grant()`. */
export const GRANT_METADATA = 'keycard:grant';
