/** A group as the matcher sees it: enough to rank it and test it against labels. */
export interface MatchableGroup {
  /** Selector pairs; a missing label compares as "". Keys and values are exact (MACs already normalised). */
  readonly selector: Readonly<Record<string, string>>;
  /** Data-directory-relative file name: the tie-breaker for identical selectors. */
  readonly file: string;
}

/** `k=v` pairs sorted and joined with `,`: Matchbox's secondary ranking key. */
export function selectorString(selector: Readonly<Record<string, string>>): string {
  const keys = Object.keys(selector);
  // Most groups select by one label (their MAC): nothing to sort.
  if (keys.length === 1) return `${keys[0]}=${selector[keys[0]!]}`;
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .sort(compareBytes)
    .join(",");
}

/** Byte-wise comparison of the strings' UTF-8 encodings, as Go compares strings. */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 order equals UTF-8 byte order except around surrogates; only pay for
  // encoding when a surrogate is present.
  if (!/[\ud800-\udfff]/.test(a) && !/[\ud800-\udfff]/.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * A string whose UTF-16 order is the UTF-8 byte order of `s`: `s` itself when
 * it is ASCII, else its UTF-8 bytes as Latin-1 characters (the same for ASCII,
 * so keys of both kinds compare correctly). For sorting many strings without
 * encoding them at every comparison.
 */
export function byteOrderKey(s: string): string {
  return /[^\x00-\x7f]/.test(s) ? Buffer.from(s, "utf8").toString("latin1") : s;
}

/** Every selector pair equals the label of the same key, a missing label being "". */
export function selectorMatches(selector: Readonly<Record<string, string>>, labels: ReadonlyMap<string, string>): boolean {
  for (const key in selector) {
    if ((labels.get(key) ?? "") !== selector[key]) return false;
  }
  return true;
}
