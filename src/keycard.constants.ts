/** DI token of the resolved, frozen `KeycardConfig`. */
export const KEYCARD_CONFIG = Symbol('KEYCARD_CONFIG');
