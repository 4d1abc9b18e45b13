import { byteOrderKey, compareBytes, selectorMatches, selectorString, type MatchableGroup } from "./group.js";

/**
 * Groups in precedence order with a lookup index, so that selecting a group
 * costs about the same for ten groups as for a hundred thousand.
 *
 * Each group with a selector is filed under one of its pairs (its smallest key
 * and that key's value): it can only match a request whose label for that key
 * has that value. A request therefore only tests the groups filed under its
 * own label values (plus the catch-all groups), and the best-ranked match wins.
 */
export class GroupIndex<G extends MatchableGroup> {
  /** All groups, best-ranked first. */
  readonly ranked: readonly G[];
  /** Positions in `ranked`, filed by selector pair: one position, or several in rank order (one group per MAC is the common case). */
  private readonly byPair = new Map<string, Map<string, number | number[]>>();
  private readonly catchAll: number[] = [];

  constructor(groups: Iterable<G>) {
    const keyed = [...groups].map((group) => ({
      group,
      count: Object.keys(group.selector).length,
      key: byteOrderKey(selectorString(group.selector)),
      file: byteOrderKey(group.file),
    }));
    // Precedence: more selector pairs first; for equal counts the greater
    // selector string first; identical selectors by file name.
    keyed.sort((a, b) => {
      if (a.count !== b.count) return b.count - a.count;
      if (a.key !== b.key) return a.key < b.key ? 1 : -1;
      return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
    });
    this.ranked = keyed.map((k) => k.group);
    this.ranked.forEach((group, rank) => {
      const keys = Object.keys(group.selector).sort(compareBytes);
      const indexKey = keys[0];
      if (indexKey === undefined) {
        this.catchAll.push(rank);
        return;
      }
      let byValue = this.byPair.get(indexKey);
      if (!byValue) this.byPair.set(indexKey, (byValue = new Map()));
      const value = group.selector[indexKey]!;
      const filed = byValue.get(value);
      if (filed === undefined) byValue.set(value, rank);
      else if (typeof filed === "number") byValue.set(value, [filed, rank]);
      else filed.push(rank);
    });
  }

  get size(): number {
    return this.ranked.length;
  }

  /** The best-ranked group whose selector matches the labels, or undefined. */
  select(labels: ReadonlyMap<string, string>): G | undefined {
    let bestRank = Infinity;
    for (const [key, byValue] of this.byPair) bestRank = this.bestMatch(byValue.get(labels.get(key) ?? ""), labels, bestRank);
    bestRank = this.bestMatch(this.catchAll, labels, bestRank);
    return bestRank === Infinity ? undefined : this.ranked[bestRank];
  }

  /** The better of `bestRank` and the best-ranked matching group among `filed` (several positions are in rank order: the first match among them is their best). */
  private bestMatch(filed: number | readonly number[] | undefined, labels: ReadonlyMap<string, string>, bestRank: number): number {
    if (filed === undefined) return bestRank;
    if (typeof filed === "number") return filed < bestRank && selectorMatches(this.ranked[filed]!.selector, labels) ? filed : bestRank;
    for (const rank of filed) {
      if (rank >= bestRank) break;
      if (selectorMatches(this.ranked[rank]!.selector, labels)) return rank;
    }
    return bestRank;
  }

  /** Every group in precedence order, with whether it matches: for explaining a selection. */
  candidates(labels: ReadonlyMap<string, string>): { group: G; matches: boolean }[] {
    return this.ranked.map((group) => ({ group, matches: selectorMatches(group.selector, labels) }));
  }
}
