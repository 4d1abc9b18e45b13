/**
 * Go's strconv quoting and unquoting (Quote, QuoteToASCII, QuoteRune,
 * CanBackquote, Unquote, UnquoteChar) and unicode.IsPrint, over JS strings
 * holding Go byte strings (see bytestring.ts).
 */
import { escapedByteValue, isEscapedByte, utf8Decode } from "./bytestring.js";

export { utf8Bytes, utf8Decode, utf8Length } from "./bytestring.js";

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** unicode.IsPrint: letters, marks, numbers, punctuation, symbols and U+0020. */
export function isPrint(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x20 && cp < 0x7f;
  return PRINTABLE.test(String.fromCodePoint(cp));
}

const LOWER_HEX = "0123456789abcdef";

function hexDigits(n: number, count: number): string {
  let s = "";
  for (let shift = (count - 1) * 4; shift >= 0; shift -= 4) s += LOWER_HEX[(n >>> shift) & 0xf];
  return s;
}

function escapedRune(cp: number, quote: number, asciiOnly: boolean): string {
  if (cp === quote || cp === 0x5c) return "\\" + String.fromCodePoint(cp);
  if (asciiOnly) {
    if (cp < 0x80 && isPrint(cp)) return String.fromCodePoint(cp);
  } else if (isPrint(cp)) {
    return String.fromCodePoint(cp);
  }
  switch (cp) {
    case 0x07:
      return "\\a";
    case 0x08:
      return "\\b";
    case 0x0c:
      return "\\f";
    case 0x0a:
      return "\\n";
    case 0x0d:
      return "\\r";
    case 0x09:
      return "\\t";
    case 0x0b:
      return "\\v";
  }
  if (cp < 0x20 || cp === 0x7f) return "\\x" + hexDigits(cp, 2);
  if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  if (cp < 0x10000) return "\\u" + hexDigits(cp, 4);
  return "\\U" + hexDigits(cp, 8);
}

/** Runes strconv.Quote may change: controls, DEL, the quote, the backslash, and anything not ASCII. */
const QUOTE_SPECIAL = /[\x00-\x1f\x7f"\\]|[^\x00-\x7f]/gu;

/** strconv.Quote (or QuoteToASCII when asciiOnly). */
export function goQuote(s: string, asciiOnly = false): string {
  const quoted = s.replace(QUOTE_SPECIAL, (ch) => {
    const cp = ch.codePointAt(0)!;
    return isEscapedByte(cp) ? "\\x" + hexDigits(escapedByteValue(cp), 2) : escapedRune(cp, 0x22, asciiOnly);
  });
  return '"' + quoted + '"';
}

/** strconv.QuoteRune (or QuoteRuneToASCII). */
export function goQuoteRune(cp: number, asciiOnly = false): string {
  if (cp > 0x10ffff || cp < 0 || (cp >= 0xd800 && cp <= 0xdfff)) cp = 0xfffd;
  return "'" + escapedRune(cp, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote. */
export function canBackquote(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0xfeff || isEscapedByte(cp)) return false;
    if (cp >= 0x80) continue;
    if ((cp < 0x20 && cp !== 0x09) || cp === 0x60 || cp === 0x7f) return false;
  }
  return true;
}

/** The code point of a rune as %#U shows it: `U+0041 'A'`. */
export function formatUnicodeSharp(cp: number): string {
  const hex = cp.toString(16).toUpperCase().padStart(4, "0");
  return isPrint(cp) ? `U+${hex} '${String.fromCodePoint(cp)}'` : `U+${hex}`;
}

export class SyntaxError extends Error {
  constructor() {
    super("invalid syntax");
  }
}

/** Bytes written by \x or octal escapes are gathered, then decoded as UTF-8. */
class ByteCollector {
  private parts: string[] = [];
  private bytes: number[] = [];
  pushByte(b: number): void {
    this.bytes.push(b);
  }
  pushText(s: string): void {
    this.flush();
    this.parts.push(s);
  }
  private flush(): void {
    if (this.bytes.length > 0) {
      this.parts.push(utf8Decode(new Uint8Array(this.bytes)));
      this.bytes = [];
    }
  }
  result(): string {
    this.flush();
    return this.parts.join("");
  }
}

interface UnquotedChar {
  /** A code point, or a raw byte when isByte. */
  value: number;
  isByte: boolean;
  tail: string;
}

/** strconv.UnquoteChar. */
export function unquoteChar(s: string, quote: string): UnquotedChar {
  const cp = s.codePointAt(0);
  if (cp === undefined) throw new SyntaxError();
  const c = String.fromCodePoint(cp);
  if (c === quote && (quote === "'" || quote === '"')) throw new SyntaxError();
  if (c !== "\\") return { value: cp, isByte: false, tail: s.slice(c.length) };
  if (s.length <= 1) throw new SyntaxError();
  const e = s[1]!;
  let rest = s.slice(2);
  switch (e) {
    case "a":
      return { value: 7, isByte: false, tail: rest };
    case "b":
      return { value: 8, isByte: false, tail: rest };
    case "f":
      return { value: 12, isByte: false, tail: rest };
    case "n":
      return { value: 10, isByte: false, tail: rest };
    case "r":
      return { value: 13, isByte: false, tail: rest };
    case "t":
      return { value: 9, isByte: false, tail: rest };
    case "v":
      return { value: 11, isByte: false, tail: rest };
    case "x":
    case "u":
    case "U": {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      if (rest.length < n) throw new SyntaxError();
      let v = 0;
      for (let j = 0; j < n; j++) {
        const d = parseInt(rest[j]!, 16);
        if (Number.isNaN(d)) throw new SyntaxError();
        v = v * 16 + d;
      }
      rest = rest.slice(n);
      if (e === "x") return { value: v, isByte: true, tail: rest };
      if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) throw new SyntaxError();
      return { value: v, isByte: false, tail: rest };
    }
    case "0":
    case "1":
    case "2":
    case "3":
    case "4":
    case "5":
    case "6":
    case "7": {
      let v = Number(e);
      if (rest.length < 2) throw new SyntaxError();
      for (let j = 0; j < 2; j++) {
        const d = rest.charCodeAt(j) - 48;
        if (d < 0 || d > 7) throw new SyntaxError();
        v = v * 8 + d;
      }
      if (v > 255) throw new SyntaxError();
      return { value: v, isByte: true, tail: rest.slice(2) };
    }
    case "\\":
      return { value: 0x5c, isByte: false, tail: rest };
    case "'":
    case '"':
      if (e !== quote) throw new SyntaxError();
      return { value: e.charCodeAt(0), isByte: false, tail: rest };
    default:
      throw new SyntaxError();
  }
}

/** strconv.Unquote for "…", `…` and '…' literals. */
export function goUnquote(s: string): string {
  const n = s.length;
  if (n < 2) throw new SyntaxError();
  const q = s[0]!;
  if (q !== s[n - 1]) throw new SyntaxError();
  const body = s.slice(1, n - 1);
  if (q === "`") {
    if (body.includes("`")) throw new SyntaxError();
    return body.replace(/\r/g, "");
  }
  if (q !== '"' && q !== "'") throw new SyntaxError();
  if (body.includes("\n")) throw new SyntaxError();
  if (!body.includes("\\") && !body.includes(q)) {
    if (q === '"') return body;
    if (q === "'" && [...body].length === 1) return body;
  }
  const out = new ByteCollector();
  let rest = body;
  while (rest.length > 0) {
    const c = unquoteChar(rest, q);
    rest = c.tail;
    if (c.isByte && c.value >= 0x80) out.pushByte(c.value);
    else out.pushText(String.fromCodePoint(c.value));
    if (q === "'" && rest.length > 0) throw new SyntaxError();
  }
  return out.result();
}
