import { percentDecode } from "../util/percent.js";

/**
 * Query-string parsing with the rules of Go's url.ParseQuery (Go ≥ 1.17), which
 * Matchbox applies to every request: pairs split on `&`, a pair containing `;`
 * is dropped, `+` is a space, a malformed `%` escape drops the pair, and an
 * empty pair is skipped. Keys keep their case and order of first appearance.
 */
export type QueryValues = Map<string, string[]>;

export function parseQuery(rawQuery: string): QueryValues {
  const values: QueryValues = new Map();
  for (const pair of rawQuery.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = percentDecode(eq === -1 ? pair : pair.slice(0, eq), true);
    const value = percentDecode(eq === -1 ? "" : pair.slice(eq + 1), true);
    if (key === undefined || value === undefined) continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}
