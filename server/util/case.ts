/**
 * Go's strings.ToUpper / ToLower map each code point on its own (simple case
 * mapping), where JavaScript applies special casing that can change the
 * length (`ß` → `SS`, `İ` → `i̇`). These follow Go.
 */
export function goToUpper(text: string): string {
  // Fast path: ASCII.
  if (/^[\x00-\x7f]*$/.test(text)) return text.toUpperCase();
  return mapCodePoints(text, (c) => c.toUpperCase());
}

export function goToLower(text: string): string {
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  return mapCodePoints(text, (c) => (c === "\u0130" ? "i" : c.toLowerCase()));
}

function mapCodePoints(text: string, map: (c: string) => string): string {
  let out = "";
  for (const c of text) {
    const mapped = map(c);
    // A mapping to several code points is special casing, which Go does not apply.
    out += [...mapped].length === 1 ? mapped : c;
  }
  return out;
}
