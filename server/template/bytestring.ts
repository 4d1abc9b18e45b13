/**
 * Go strings are byte strings; templates can make ones that are not valid
 * UTF-8 ("\xff", slicing "é" in the middle). Such a byte b (0x80–0xFF) is kept
 * in the JS string as the lone surrogate U+DC00+b ("surrogate escape"), so
 * len, index, slice, %q and %x see Go's bytes. Rendered output is decoded as
 * a UTF-8 reader of Go's output bytes would decode it.
 */
import { isUtf8 } from "node:buffer";

const ESCAPE_BASE = 0xdc00;

/** A lone surrogate standing for one raw byte. */
export function isEscapedByte(cp: number): boolean {
  return cp >= 0xdc80 && cp <= 0xdcff;
}

export function escapedByteValue(cp: number): number {
  return cp - ESCAPE_BASE;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const HAS_SURROGATE = /[\ud800-\udfff]/;
const ONLY_ASCII = /^[\x00-\x7f]*$/;

/** True when every character is ASCII, so characters and bytes coincide. */
export function isAscii(s: string): boolean {
  return ONLY_ASCII.test(s);
}

/** The number of bytes Go's len gives. */
export function utf8Length(s: string): number {
  // Without surrogates (pairs, or escaped bytes) the native count is Go's.
  if (!HAS_SURROGATE.test(s)) return Buffer.byteLength(s, "utf8");
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (isHighSurrogate(c) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      n += 4;
      i++;
    } else if (isEscapedByte(c)) n += 1;
    else n += 3;
  }
  return n;
}

/** The Go bytes of a string. */
export function utf8Bytes(s: string): Uint8Array {
  if (!HAS_SURROGATE.test(s)) return Buffer.from(s, "utf8");
  const out = new Uint8Array(utf8Length(s));
  let j = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[j++] = c;
    } else if (c < 0x800) {
      out[j++] = 0xc0 | (c >> 6);
      out[j++] = 0x80 | (c & 0x3f);
    } else if (isHighSurrogate(c) && i + 1 < s.length && isLowSurrogate(s.charCodeAt(i + 1))) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[j++] = 0xf0 | (cp >> 18);
      out[j++] = 0x80 | ((cp >> 12) & 0x3f);
      out[j++] = 0x80 | ((cp >> 6) & 0x3f);
      out[j++] = 0x80 | (cp & 0x3f);
    } else if (isEscapedByte(c)) {
      out[j++] = escapedByteValue(c);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      out[j++] = 0xe0 | (c >> 12);
      out[j++] = 0x80 | ((c >> 6) & 0x3f);
      out[j++] = 0x80 | (c & 0x3f);
    }
  }
  return out;
}

/** The length of the valid UTF-8 sequence at b[i] (Go's utf8.DecodeRune), or 0 if invalid. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c0 = b[i]!;
  const n = b.length - i;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => k < n && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c0 >= 0xc2 && c0 <= 0xdf) return cont(1) ? 2 : 0;
  if (c0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c0 >= 0xe1 && c0 <= 0xec) || c0 === 0xee || c0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c0 >= 0xf1 && c0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** Bytes back to a string; each byte of an invalid sequence becomes an escaped byte. */
export function utf8Decode(b: Uint8Array): string {
  if (isUtf8(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("utf8");
  let out = "";
  let i = 0;
  while (i < b.length) {
    const c0 = b[i]!;
    if (c0 < 0x80) {
      out += String.fromCharCode(c0);
      i++;
      continue;
    }
    const len = sequenceLength(b, i);
    if (len === 0) {
      out += String.fromCharCode(ESCAPE_BASE + c0);
      i++;
      continue;
    }
    let cp = len === 2 ? c0 & 0x1f : len === 3 ? c0 & 0x0f : c0 & 0x07;
    for (let k = 1; k < len; k++) cp = (cp << 6) | (b[i + k]! & 0x3f);
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

const HAS_LONE_LOW_SURROGATE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const utf8Reader = new TextDecoder("utf-8");

/** The text a UTF-8 reader (WHATWG decoding) makes of the Go bytes of s. */
export function toValidText(s: string): string {
  return HAS_LONE_LOW_SURROGATE.test(s) ? utf8Reader.decode(utf8Bytes(s)) : s;
}

/** The Go bytes of s as a Buffer (the fast native encoder when every byte is UTF-8). */
export function goBytes(s: string): Buffer {
  return HAS_LONE_LOW_SURROGATE.test(s) ? Buffer.from(utf8Bytes(s)) : Buffer.from(s, "utf8");
}
