import { isMacKey, parseMac } from "./mac.js";
import { parseQuery } from "./query.js";

/** Label name → value, as Matchbox derives them from a request's query string. */
export type Labels = ReadonlyMap<string, string>;

export interface ParsedLabels {
  labels: Labels;
  /** Values of MAC-keyed parameters that did not parse and were dropped. */
  rejectedMacs: string[];
}

/**
 * Labels from a raw query string: the first value of each key; a key that
 * lower-cases to `mac` is parsed as a MAC and normalised (dropped if it does
 * not parse); every other key and value is kept verbatim.
 */
export function labelsFromQuery(rawQuery: string): ParsedLabels {
  const labels = new Map<string, string>();
  const rejectedMacs: string[] = [];
  for (const [key, values] of parseQuery(rawQuery)) {
    const value = values[0]!;
    if (isMacKey(key)) {
      const mac = parseMac(value);
      if (mac === undefined) rejectedMacs.push(value);
      else labels.set(key, mac);
    } else {
      labels.set(key, value);
    }
  }
  return { labels, rejectedMacs };
}

/** The part of a request target after the first `?`, verbatim (Go's URL.RawQuery). */
export function rawQueryOf(url: string): string {
  const q = url.indexOf("?");
  return q === -1 ? "" : url.slice(q + 1);
}
