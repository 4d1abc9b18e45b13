/** Items gathered during one turn of the event loop, handed over together at its end. */
export interface TurnEndBatch<T> {
  add(item: T): void;
  /** Hands over what is pending now (e.g. when the process exits). */
  flush(): void;
}

/**
 * Collects items and gives them all to `handle` once the current turn's I/O
 * callbacks have run (setImmediate): a busy server handles many in one call,
 * an idle one loses nothing but the rest of the turn.
 */
export function turnEndBatch<T>(handle: (items: T[]) => void): TurnEndBatch<T> {
  let pending: T[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const items = pending;
    pending = [];
    handle(items);
  };
  return {
    add(item) {
      if (pending.push(item) === 1) setImmediate(flush);
    },
    flush,
  };
}
