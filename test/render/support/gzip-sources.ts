/**
 * Gzip data URLs cannot be byte-identical to Go's (different deflate), so
 * tests compare them by content: every gzip-compressed data URL source in a
 * serialised config is replaced by a marker holding its decompressed bytes.
 */
import { gunzipSync } from "node:zlib";
import { decodeDataUrl } from "../../../server/render/ignition/index.js";

export function gunzipDataUrl(source: string): string {
  return gunzipSync(decodeDataUrl(source)).toString("utf8");
}

export function normaliseGzipSources(json: string): string {
  return json.replace(/"compression":"gzip","source":"(data:[^"]*)"/g, (_all, url: string) => {
    return `"compression":"gzip","source":"gunzipped:${Buffer.from(gunzipDataUrl(url)).toString("base64")}"`;
  });
}
