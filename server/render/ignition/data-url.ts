/**
 * RFC 2397 data URLs as Ignition reads them: a strict media-type grammar, a
 * percent-encoded payload restricted to URI characters, or standard padded
 * base64. Also the RFC 2396 escaping Butane uses when it writes one.
 */

const TSPECIALS = new Set("()<>@,;:\\\"/[]?=");

function isToken(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c > 0x20 && c < 0x7f && !TSPECIALS.has(ch);
}

/** Payload characters: printable ASCII except RFC 2396's delimiters and "unwise" characters. */
const URI_DATA = /^[^\x00-\x20\x7f-\uffff<>#"{}|\\^[\]`]*$/;
const BASE64_DATA = /^[A-Za-z0-9+/=]*$/;

export class DataUrlError extends Error {}

/** Decodes a data URL to its bytes, or throws DataUrlError with the reason Ignition gives. */
export function decodeDataUrl(url: string): Buffer {
  if (!url.startsWith("data:")) throw new DataUrlError("missing data prefix");
  // The header is walked character by character (every valid header character is ASCII, so UTF-16
  // units stand for characters there); the payload is checked with one pattern.
  let i = 5;
  let base64 = false;
  const peek = (): string | undefined => url[i];

  // media type
  const first = peek();
  if (first === undefined) throw new DataUrlError("missing comma before data");
  if (first !== ";" && first !== ",") {
    if (!isToken(first)) throw new DataUrlError("invalid character after data prefix");
    const typeStart = i;
    while (peek() !== "/") {
      const ch = peek();
      if (ch === undefined) throw new DataUrlError("missing media type slash");
      if (!isToken(ch)) throw new DataUrlError("invalid character for media type");
      i++;
    }
    const mediaType = url.slice(typeStart, i);
    const extension = /^[xX]-/.test(mediaType);
    if (!extension && !/^(text|image|audio|video|application|message|multipart)/.test(mediaType)) {
      throw new DataUrlError("invalid media type");
    }
    i++;
    for (;;) {
      const ch = peek();
      if (ch === ";" || ch === ",") break;
      if (ch === undefined) throw new DataUrlError("incomplete media type");
      if (!isToken(ch)) throw new DataUrlError("invalid character for media subtype");
      i++;
    }
  }
  // parameters and the base64 marker
  while (peek() === ";") {
    i++;
    const ch = peek();
    if (ch === undefined || ch === "=" || ch === ",") throw new DataUrlError("unterminated parameter sequence");
    if (!isToken(ch)) throw new DataUrlError("invalid character for parameter attribute");
    const attrStart = i;
    for (;;) {
      const c = peek();
      if (c === "=" || c === ",") break;
      if (c === undefined) throw new DataUrlError("unterminated parameter sequence");
      if (!isToken(c)) throw new DataUrlError("invalid character for parameter attribute");
      i++;
    }
    const attr = url.slice(attrStart, i);
    if (peek() === ",") {
      if (attr !== "base64") throw new DataUrlError(`expected base64, got ${attr}`);
      base64 = true;
      break;
    }
    i++; // '='
    const v = peek();
    if (v === '"') {
      i++;
      for (;;) {
        const c = peek();
        if (c === undefined) throw new DataUrlError("unclosed quoted string");
        if (c === "\\") {
          i++;
          const e = peek();
          if (e === undefined) throw new DataUrlError("unexpected eof");
          if (e.charCodeAt(0) > 0x7f) throw new DataUrlError("invalid escaped character");
          i++;
          continue;
        }
        if (c === '"') break;
        if (c.charCodeAt(0) > 0x7f) throw new DataUrlError("invalid character for parameter value");
        i++;
      }
      i++;
    } else {
      if (v === undefined) throw new DataUrlError("missing comma before data");
      if (!isToken(v)) throw new DataUrlError("invalid character for parameter value");
      for (;;) {
        const c = peek();
        if (c === ";" || c === ",") break;
        if (c === undefined) throw new DataUrlError("missing comma before data");
        if (!isToken(c)) throw new DataUrlError("invalid character for parameter value");
        i++;
      }
    }
    const after = peek();
    if (after === undefined) throw new DataUrlError("missing comma before data");
    if (after !== ";" && after !== ",") throw new DataUrlError("expected semicolon or comma");
  }
  if (peek() !== ",") throw new DataUrlError(peek() === undefined ? "missing comma before data" : "expected semicolon or comma");
  const data = url.slice(i + 1);
  if (base64) {
    if (!BASE64_DATA.test(data)) throw new DataUrlError("invalid data character");
    return decodeStdBase64(data);
  }
  if (!URI_DATA.test(data)) throw new DataUrlError("invalid data character");
  return unescapeRfc2396(data);
}

/** Go's base64.StdEncoding: padding required, no stray '='. */
function decodeStdBase64(text: string): Buffer {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(={0,2})$/.test(text) || /=[^=]/.test(text)) {
    throw new DataUrlError("illegal base64 data");
  }
  return Buffer.from(text, "base64");
}

function unescapeRfc2396(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (hex.length < 2) throw new DataUrlError("rfc2396: unexpected end of unescape sequence");
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) throw new DataUrlError("rfc2396: invalid char 0x25 in unescape sequence");
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(ch.charCodeAt(0));
    }
  }
  return Buffer.from(bytes);
}

const UNRESERVED = /[A-Za-z0-9\-_.!~*'()]/;

/** RFC 2396 escaping: every byte outside the unreserved set becomes %XX (upper-case). */
export function escapeRfc2396(data: Uint8Array): string {
  let out = "";
  for (const byte of data) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && UNRESERVED.test(ch) ? ch : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}
