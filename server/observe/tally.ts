import { Counter, type CounterConfiguration } from "prom-client";

interface Tally<L extends string> {
  labels: Record<L, string>;
  count: number;
}

/** Tallies by the first label's value, then by the next label's, down to the tally. */
type Level<L extends string> = Map<string, Level<L> | Tally<L>>;

/**
 * A prom-client Counter for the request path: increments are tallied in
 * plain maps by their label values and added to the counter when it is
 * collected (at every scrape), so an increment is a few map lookups instead of
 * prom-client hashing and checking the whole label set each time.
 */
export class TalliedCounter<L extends string> {
  private readonly root: Level<L> = new Map();
  /** Every tally, in the order its labels were first seen. */
  private readonly tallies: Tally<L>[] = [];
  private readonly labelNames: readonly L[];

  constructor(config: CounterConfiguration<L> & { labelNames: readonly L[] }) {
    if (config.labelNames.length === 0) throw new Error(`${config.name}: a tallied counter needs labels`);
    this.labelNames = config.labelNames;
    const tallies = this.tallies;
    new Counter<L>({
      ...config,
      collect() {
        for (const tally of tallies) {
          if (tally.count === 0) continue;
          this.inc(tally.labels, tally.count);
          tally.count = 0;
        }
      },
    });
  }

  /** Adds `by` under the label values, given in the order of `labelNames`. */
  add(by: number, ...values: string[]): void {
    let level = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i] ?? "";
      let next = level.get(value) as Level<L> | undefined;
      if (!next) level.set(value, (next = new Map()));
      level = next;
    }
    const value = values[last] ?? "";
    const tally = level.get(value) as Tally<L> | undefined;
    if (tally) {
      tally.count += by;
      return;
    }
    const labels = {} as Record<L, string>;
    this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ""));
    const created = { labels, count: by };
    level.set(value, created);
    this.tallies.push(created);
  }
}
