/**
 * MAC address parsing with the rules of Go's net.ParseMAC, which Matchbox uses
 * for `mac` labels and selectors: 6, 8 (EUI-64) or 20 (IP over InfiniBand)
 * octets written as `xx:xx:…`, `xx-xx-…` or `xxxx.xxxx.xxxx`, any hex case.
 * A bare `525400a19cae` is not a MAC.
 */
const VALID_OCTET_COUNTS = new Set([6, 8, 20]);
const HEX = /^[0-9a-fA-F]+$/;
const CANONICAL_MAC48 = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/** Returns the canonical lower-case colon form, or undefined if `text` is not a MAC. */
export function parseMac(text: string): string | undefined {
  // The common case, already canonical.
  if (CANONICAL_MAC48.test(text)) return text;
  if (text.length < 14) return undefined;
  let octets: string[];
  if (text[2] === ":" || text[2] === "-") {
    if ((text.length + 1) % 3 !== 0) return undefined;
    const separator = text[2];
    octets = [];
    for (let i = 0; i < text.length; i += 3) {
      if (i + 2 < text.length && text[i + 2] !== separator) return undefined;
      octets.push(text.slice(i, i + 2));
    }
  } else if (text[4] === ".") {
    if ((text.length + 1) % 5 !== 0) return undefined;
    octets = [];
    for (let i = 0; i < text.length; i += 5) {
      if (i + 4 < text.length && text[i + 4] !== ".") return undefined;
      octets.push(text.slice(i, i + 2), text.slice(i + 2, i + 4));
    }
  } else {
    return undefined;
  }
  if (!VALID_OCTET_COUNTS.has(octets.length)) return undefined;
  for (const octet of octets) {
    if (octet.length !== 2 || !HEX.test(octet)) return undefined;
  }
  return octets.join(":").toLowerCase();
}

/** Go's strings.ToLower(key) == "mac", for the label and selector keys that carry a MAC. */
export function isMacKey(key: string): boolean {
  return key.length === 3 && key.toLowerCase() === "mac";
}
