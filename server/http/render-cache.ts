import type { NetbootError } from "../errors.js";

/** A rendered `/generic`, `/cloud` or `/ignition` answer: a body, or the configuration error. */
export type Rendered = { body: Buffer; contentType: string; warnings: readonly string[] } | { error: NetbootError };

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A number for an object for as long as it lives (snapshot objects never change). */
export function identity(o: object): number {
  let id = ids.get(o);
  if (id === undefined) {
    id = nextId++;
    ids.set(o, id);
  }
  return id;
}

/**
 * Rendered answers, least recently used first out, bounded in count and bytes.
 * An answer depends only on the template file's version and the template data
 * (group version and raw query), so those make the key. Concurrent requests for
 * the same key share one render. A client varying its labels defeats the cache;
 * the renderers' own limits bound each render regardless.
 */
export class RenderCache {
  private readonly entries = new Map<string, { value: Rendered; bytes: number }>();
  private readonly pending = new Map<string, Promise<Rendered>>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  async get(key: string, render: () => Promise<Rendered>): Promise<Rendered> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    let promise = this.pending.get(key);
    if (!promise) {
      promise = render().finally(() => this.pending.delete(key));
      this.pending.set(key, promise);
      this.store(key, await promise);
    }
    return promise;
  }

  private store(key: string, value: Rendered): void {
    const bytes = key.length + ("body" in value ? value.body.length : value.error.message.length);
    if (bytes > this.maxBytes / 4 || this.entries.has(key)) return;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}
