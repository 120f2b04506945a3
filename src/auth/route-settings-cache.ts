/**
 * Values worked out once per route: keyed by (handler, class), because one handler function
 * can be inherited by several controller classes whose decorators differ. Weak keys, so
 * handlers and classes that go away (a closed app, a test module) are not kept.
 * Anything that is not an object or function (no handler) is never cached.
 */
export class RouteSettingsCache<T> {
  private readonly byHandler = new WeakMap<object, WeakMap<object, T>>();

  get(handler: unknown, target: unknown): T | undefined {
    if (!isWeakKey(handler) || !isWeakKey(target)) return undefined;
    return this.byHandler.get(handler)?.get(target);
  }

  /** Stores `value` (when both keys can be held weakly) and returns it. */
  set(handler: unknown, target: unknown, value: T): T {
    if (!isWeakKey(handler) || !isWeakKey(target)) return value;
    let byTarget = this.byHandler.get(handler);
    if (byTarget === undefined) {
      byTarget = new WeakMap<object, T>();
      this.byHandler.set(handler, byTarget);
    }
    byTarget.set(target, value);
    return value;
  }
}

function isWeakKey(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
