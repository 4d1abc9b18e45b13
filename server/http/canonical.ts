import path from "node:path";

/**
 * Go's ServeMux answers a request whose path is not canonical (`//ipxe`,
 * `/./ipxe`, `/assets/../x`) with a 301 to the cleaned path. This is that
 * cleaning: rooted, `.` and `..` resolved, slashes collapsed, a trailing slash
 * kept.
 */
export function cleanPath(p: string): string {
  if (p === "") return "/";
  const rooted = p.startsWith("/") ? p : "/" + p;
  let cleaned = path.posix.normalize(rooted);
  // path.posix.normalize keeps a trailing slash; Go's path.Clean drops it and
  // ServeMux adds it back when the original had one.
  if (cleaned.length > 1 && cleaned.endsWith("/")) cleaned = cleaned.slice(0, -1);
  if (rooted.endsWith("/") && cleaned !== "/") cleaned += "/";
  return cleaned;
}

/** A path for a Location header: percent-encoded where a URL path needs it. */
export function encodePathForLocation(p: string): string {
  return encodeURI(p).replace(/\?/g, "%3F").replace(/#/g, "%23");
}

export interface RequestTarget {
  /** Percent-decoded path. */
  path: string;
  /** Everything after the first `?`, verbatim. */
  rawQuery: string;
}

export function splitTarget(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf("?");
  return q === -1 ? { rawPath: url, rawQuery: "" } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}
