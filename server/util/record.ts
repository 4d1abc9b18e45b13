/** Objects made by this constructor inherit from an empty, frozen object without a prototype. */
function NullPrototypeRecord(): void {}
NullPrototypeRecord.prototype = Object.freeze(Object.create(null) as object);

/**
 * An empty record that, like `Object.create(null)`, inherits nothing (a key
 * may be `__proto__`, `constructor` or `toString`), but that V8 keeps in its
 * compact form: `Object.create(null)` objects are hash tables, about 150
 * bytes more each, which adds up for records kept per group.
 */
export function emptyRecord<T>(): Record<string, T> {
  return new (NullPrototypeRecord as unknown as new () => Record<string, T>)();
}
