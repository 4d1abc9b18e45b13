/**
 * Percent-decoding as Go's url package does it: `%XX` must be two hex digits
 * (else the whole text is rejected, undefined), decoded bytes are UTF-8, and in
 * a query component `+` is a space.
 */
export function percentDecode(text: string, plusIsSpace: boolean): string | undefined {
  if (!text.includes("%")) return plusIsSpace && text.includes("+") ? text.replace(/\+/g, " ") : text;
  return percentDecodeBytes(text, plusIsSpace)?.toString("utf8");
}

/** percentDecode's bytes, before they are read as UTF-8 (Go keeps them as they are). */
export function percentDecodeBytes(text: string, plusIsSpace: boolean): Buffer | undefined {
  const out: Buffer[] = [];
  let literalStart = 0;
  const flushLiteral = (end: number) => {
    if (end > literalStart) {
      const literal = text.slice(literalStart, end);
      out.push(Buffer.from(plusIsSpace ? literal.replace(/\+/g, " ") : literal, "utf8"));
    }
  };
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== "%") continue;
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
    flushLiteral(i);
    out.push(Buffer.from([parseInt(hex, 16)]));
    i += 2;
    literalStart = i + 1;
  }
  flushLiteral(text.length);
  return Buffer.concat(out);
}
