import type { IncomingHttpHeaders } from "node:http";
import etag from "etag";
import fresh from "fresh";
import mime from "mime";
import parseRange from "range-parser";

/** What a file's answer is, before any byte is read. */
export type FileAnswer =
  | { status: 200 | 206; headers: Record<string, string>; start: number; end: number }
  | { status: 304; headers: Record<string, string> }
  | { status: 412 | 416; headers: Record<string, string>; body: string };

const BYTES_RANGE = /^ *bytes=/;

/** Content types of UTF-8 text get the charset (text/*, JSON, JavaScript). */
function contentType(name: string): string {
  const type = mime.getType(name) ?? "application/octet-stream";
  return type.startsWith("text/") || type === "application/json" || type === "application/javascript" ? `${type}; charset=utf-8` : type;
}

/** Whether `list` (an If-Match or If-Range entity-tag list, or `*`) names `tag`: `fresh`'s token parsing and weak comparison. */
function matchesTag(list: string, tag: string): boolean {
  return fresh({ "if-none-match": list }, { etag: tag });
}

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value.join(", ") : value);
const dateOf = (text: string | undefined) => (text === undefined ? Number.NaN : Date.parse(text));

/**
 * The answer to a request for a regular file of `size` bytes modified at
 * `mtime`, named `name` (its extension gives the type), as Go's file server
 * gives it (with the weak ETag netboot has always sent): Last-Modified; If-Match and
 * If-Unmodified-Since (412), If-None-Match and If-Modified-Since (304, via
 * `fresh`); a `bytes=` Range (via `range-parser`, overlapping ranges
 * combined) honoured when it names one range and If-Range (a tag or a date)
 * still holds, 416 with `Content-Range: bytes *\/size` when no range can be
 * satisfied or it does not parse, and several disjoint ranges answered with
 * the whole file.
 */
export function fileAnswer(request: IncomingHttpHeaders, name: string, stats: { size: number; mtime: Date }): FileAnswer {
  const size = stats.size;
  const tag = etag(stats as Parameters<typeof etag>[0]);
  const lastModified = stats.mtime.toUTCString();
  const headers: Record<string, string> = { "accept-ranges": "bytes", "last-modified": lastModified, etag: tag };
  const modified = dateOf(lastModified);

  const ifMatch = request["if-match"];
  const unmodifiedSince = dateOf(request["if-unmodified-since"]);
  if ((ifMatch && !matchesTag(ifMatch, tag)) || modified > unmodifiedSince) {
    return { status: 412, headers: { "content-type": "text/plain; charset=utf-8" }, body: "412 Precondition Failed\n" };
  }
  if (fresh(request, headers)) return { status: 304, headers };

  headers["content-type"] = contentType(name);
  const range = request.range;
  if (range !== undefined && BYTES_RANGE.test(range) && rangeStillFresh(single(request["if-range"]), tag, modified)) {
    const ranges = parseRange(size, range, { combine: true });
    if (ranges === -1 || ranges === -2) {
      return { status: 416, headers: { "content-type": "text/plain; charset=utf-8", "content-range": `bytes */${size}` }, body: "416 Range Not Satisfiable\n" };
    }
    if (ranges.length === 1) {
      const { start, end } = ranges[0]!;
      headers["content-range"] = `bytes ${start}-${end}/${size}`;
      headers["content-length"] = String(end - start + 1);
      return { status: 206, headers, start, end };
    }
  }
  headers["content-length"] = String(size);
  return { status: 200, headers, start: 0, end: size - 1 };
}

/** If-Range: absent, the current entity tag, or a date no earlier than the modification time. */
function rangeStillFresh(ifRange: string | undefined, tag: string, modified: number): boolean {
  if (ifRange === undefined) return true;
  if (ifRange.includes('"')) return matchesTag(ifRange, tag);
  return modified <= dateOf(ifRange);
}
