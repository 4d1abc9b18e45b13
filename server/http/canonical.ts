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

/** Bytes Go's url package leaves as they are in a path: unreserved characters and `$&+,/:;=@`. */
const PATH_SAFE = /^[A-Za-z0-9\-_.~$&+,/:;=@]$/;

/**
 * A decoded path escaped as Go's url.URL.EscapedPath does it (the redirect
 * ServeMux builds): every UTF-8 byte outside the safe set becomes `%XX`, so
 * `?`, `#`, `%`, `!`, `'`, `(`, `)`, `*`, spaces and non-ASCII are escaped.
 */
export function escapePath(p: string): string {
  let out = "";
  for (const byte of Buffer.from(p, "utf8")) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && PATH_SAFE.test(ch) ? ch : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
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
