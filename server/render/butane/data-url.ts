/**
 * Butane's choice of data URL for inline contents: percent-encoded, base64 if
 * strictly shorter, and gzip+base64 if that is shorter still by more than the
 * length of "gzip" (only when the user did not set a compression).
 *
 * Gzip bytes come from zlib at level 9 with Go's header fields (mtime 0,
 * XFL 2, OS 255); Go's deflate makes different choices, so compressed
 * payloads decode to the same bytes but are not byte-identical to Butane's.
 */
import { gzipSync } from "node:zlib";
import { escapeRfc2396 } from "../ignition/data-url.js";

export interface DataUrlChoice {
  source: string;
  /** "" or "gzip" when Butane writes the field; undefined to keep the user's compression. */
  compression: string | undefined;
}

const MIN_GZIP_URL = ";base64,".length + Math.ceil(20 / 3) * 4;

function goGzip(data: Uint8Array): Buffer {
  const out = gzipSync(data, { level: 9 });
  out[8] = 2;
  out[9] = 0xff;
  return out;
}

export function makeDataUrl(contents: Uint8Array, userCompression: string | undefined, allowCompression = true): DataUrlChoice {
  const userCompressed = userCompression !== undefined && userCompression !== "";
  let compression: string | undefined = userCompressed ? undefined : "";
  let opaque = "," + escapeRfc2396(contents);
  const b64 = ";base64," + Buffer.from(contents).toString("base64");
  if (b64.length < opaque.length) opaque = b64;
  // A gzip member is at least 20 bytes (header, empty deflate block, trailer): as base64 after
  // ";base64," that is 36 characters, so gzip cannot win against anything shorter than 41.
  if (!userCompressed && allowCompression && opaque.length > MIN_GZIP_URL + "gzip".length) {
    const gz = ";base64," + goGzip(contents).toString("base64");
    if (gz.length + "gzip".length < opaque.length) {
      opaque = gz;
      compression = "gzip";
    }
  }
  return { source: "data:" + opaque, compression };
}
