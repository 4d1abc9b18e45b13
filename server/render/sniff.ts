/**
 * The Content-Type Go's http.DetectContentType gives the first 512 bytes of a
 * body, for the kinds of output templates produce: HTML, XML, PDF, PostScript,
 * text with or without a byte-order mark, common archive and image formats,
 * and binary data.
 */
const SNIFF_LENGTH = 512;

const HTML_TAGS = [
  "<!DOCTYPE HTML", "<HTML", "<HEAD", "<SCRIPT", "<IFRAME", "<H1", "<DIV", "<FONT", "<TABLE", "<A", "<STYLE",
  "<TITLE", "<B", "<BODY", "<BR", "<P", "<!--",
].map((tag) => Buffer.from(tag, "latin1"));

const EXACT_PREFIXES: [Buffer, string][] = [
  [Buffer.from("%PDF-", "latin1"), "application/pdf"],
  [Buffer.from("%!PS-Adobe-", "latin1"), "application/postscript"],
  [Buffer.from([0xfe, 0xff]), "text/plain; charset=utf-16be"],
  [Buffer.from([0xff, 0xfe]), "text/plain; charset=utf-16le"],
  [Buffer.from([0xef, 0xbb, 0xbf]), "text/plain; charset=utf-8"],
  [Buffer.from([0x00, 0x00, 0x01, 0x00]), "image/x-icon"],
  [Buffer.from([0x00, 0x00, 0x02, 0x00]), "image/x-icon"],
  [Buffer.from("BM", "latin1"), "image/bmp"],
  [Buffer.from("GIF87a", "latin1"), "image/gif"],
  [Buffer.from("GIF89a", "latin1"), "image/gif"],
  [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), "image/png"],
  [Buffer.from([0xff, 0xd8, 0xff]), "image/jpeg"],
  [Buffer.from([0x1f, 0x8b, 0x08]), "application/x-gzip"],
  [Buffer.from("PK\x03\x04", "latin1"), "application/zip"],
  [Buffer.from("Rar!\x1a\x07\x00", "latin1"), "application/x-rar-compressed"],
  [Buffer.from("Rar!\x1a\x07\x01\x00", "latin1"), "application/x-rar-compressed"],
  [Buffer.from([0x00, 0x61, 0x73, 0x6d]), "application/wasm"],
  [Buffer.from("OggS\x00", "latin1"), "application/ogg"],
  [Buffer.from("ID3", "latin1"), "audio/mpeg"],
  [Buffer.from("wOFF", "latin1"), "font/woff"],
  [Buffer.from("wOF2", "latin1"), "font/woff2"],
];

function isWhitespace(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20;
}

function isBinary(b: number): boolean {
  return b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);
}

function startsWithFold(data: Buffer, at: number, pattern: Buffer): boolean {
  if (data.length - at < pattern.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    let b = data[at + i]!;
    const p = pattern[i]!;
    if (p >= 0x41 && p <= 0x5a) b &= 0xdf; // upper-case the data byte where the pattern is a letter
    if (b !== p) return false;
  }
  return true;
}

export function sniffContentType(body: Buffer): string {
  const data = body.subarray(0, SNIFF_LENGTH);
  let start = 0;
  while (start < data.length && isWhitespace(data[start]!)) start++;
  for (const tag of HTML_TAGS) {
    if (startsWithFold(data, start, tag)) {
      const next = data[start + tag.length];
      if (next === 0x20 || next === 0x3e) return "text/html; charset=utf-8";
    }
  }
  if (data.subarray(start, start + 5).equals(Buffer.from("<?xml", "latin1"))) return "text/xml; charset=utf-8";
  for (const [prefix, type] of EXACT_PREFIXES) {
    if (data.subarray(0, prefix.length).equals(prefix)) return type;
  }
  if (data.length >= 12 && data.subarray(0, 4).equals(Buffer.from("RIFF")) && data.subarray(8, 12).equals(Buffer.from("WEBP"))) {
    return "image/webp";
  }
  if (data.length >= 12 && data.subarray(0, 4).equals(Buffer.from("RIFF")) && data.subarray(8, 12).equals(Buffer.from("WAVE"))) {
    return "audio/wave";
  }
  for (const b of data) if (isBinary(b)) return "application/octet-stream";
  return "text/plain; charset=utf-8";
}
