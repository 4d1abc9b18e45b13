import { utf8Decode } from "../template/bytestring.js";
import { percentDecode, percentDecodeBytes } from "../util/percent.js";

/**
 * Query-string parsing with the rules of Go's url.ParseQuery (Go ≥ 1.17), which
 * Matchbox applies to every request: pairs split on `&`, a pair containing `;`
 * is dropped, `+` is a space, a malformed `%` escape drops the pair, and an
 * empty pair is skipped. Keys keep their case and order of first appearance.
 */
export type QueryValues = Map<string, string[]>;

/**
 * A decoded key or value as a Go string: escaped bytes that are not UTF-8 stay
 * raw bytes (kept as server/template/bytestring.ts keeps them), so a template
 * prints them as Go does and they never equal a U+FFFD in a selector.
 */
function decodeComponent(text: string): string | undefined {
  if (!text.includes("%")) return percentDecode(text, true);
  const bytes = percentDecodeBytes(text, true);
  return bytes === undefined ? undefined : utf8Decode(bytes);
}

export function parseQuery(rawQuery: string): QueryValues {
  const values: QueryValues = new Map();
  for (const pair of rawQuery.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? "" : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}
