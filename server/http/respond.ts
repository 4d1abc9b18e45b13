import type { FastifyReply, FastifyRequest } from "fastify";
import { oneLine, type NetbootError } from "../errors.js";

export const TEXT_PLAIN = "text/plain; charset=utf-8";
const NOT_FOUND_BODY = "404 page not found\n";

/** What a request was answered with, for its log line and metrics. */
export interface Outcome {
  endpoint?: string;
  labels?: Record<string, string>;
  /** MAC label values that did not parse and were dropped (as Matchbox drops them). */
  ignoredMacs?: string[];
  group?: string;
  profile?: string;
  /** Why there was no answer: "no group", "no profile", an error code, … */
  reason?: string;
  error?: string;
  /** Labels the machine remembers (sticky groups) that took part in matching, the query not setting them. */
  remembered?: Record<string, string>;
  /** The sticky group matched: what the machine is to remember once the answer is a success. */
  stick?: { mac: string; labels: Record<string, string>; group: string };
  /** Labels this request made the machine remember (new or changed). */
  remembers?: Record<string, string>;
}

declare module "fastify" {
  interface FastifyRequest {
    outcome: Outcome;
  }
}

/** Go's http.NotFound, byte for byte. */
export function sendNotFound(reply: FastifyReply, reason?: string): FastifyReply {
  if (reason) reply.request.outcome.reason = reason;
  return reply
    .code(404)
    .header("content-type", TEXT_PLAIN)
    .header("x-content-type-options", "nosniff")
    .send(NOT_FOUND_BODY);
}

/** A configuration error: its status and a one-line reason that names the file. */
export function sendError(reply: FastifyReply, error: NetbootError): FastifyReply {
  const message = oneLine(error.message);
  reply.request.outcome.reason = error.code;
  reply.request.outcome.error = message;
  if (error.status === 404) return sendNotFound(reply);
  return reply.code(error.status).header("content-type", TEXT_PLAIN).header("x-content-type-options", "nosniff").send(message + "\n");
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" };

/**
 * Go's http.Redirect with 301, as ServeMux answers a non-canonical path:
 * `Location` with non-ASCII bytes hex-escaped, `text/html; charset=utf-8` for
 * GET and HEAD, and for GET only the body `<a href="URL">Moved Permanently</a>.`
 * followed by two newlines (the URL HTML-escaped). `url` is a request-target
 * whose characters stand for its bytes (as Node reads a request line).
 */
export function sendRedirect(reply: FastifyReply, url: string): FastifyReply {
  const method = reply.request.method;
  const location = url.replace(/[\u0080-\u00ff]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase());
  reply.code(301).header("location", location);
  if (method !== "GET" && method !== "HEAD") return reply.send();
  reply.header("content-type", "text/html; charset=utf-8");
  if (method === "HEAD") return reply.send();
  const href = url.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
  return reply.send(Buffer.from(`<a href="${href}">Moved Permanently</a>.\n\n`, "latin1"));
}

export function sendText(reply: FastifyReply, body: string, contentType = TEXT_PLAIN): FastifyReply {
  return reply.code(200).header("content-type", contentType).send(body);
}

type ByteRange = { start: number; end: number };

/** A single `bytes=` range of a body of `size` bytes; "unsatisfiable", or undefined to send it whole. */
function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (!header) return undefined;
  const match = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!match) return undefined; // multiple or malformed ranges: the whole body is a valid answer
  const [, first, last] = match;
  if (first === "" && last === "") return undefined;
  if (first === "") {
    const suffix = Math.min(Number(last), size);
    if (suffix === 0) return "unsatisfiable";
    return { start: size - suffix, end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return undefined;
  return { start, end };
}

/**
 * A rendered document served as Go's http.ServeContent serves it (no name, no
 * modification time): `Accept-Ranges: bytes`, and a `Range` answered with 206.
 */
export function sendContent(request: FastifyRequest, reply: FastifyReply, body: Buffer, contentType: string): FastifyReply {
  reply.header("accept-ranges", "bytes").header("content-type", contentType);
  const range = parseRange(request.headers.range, body.length);
  if (range === "unsatisfiable") {
    return reply.code(416).header("content-range", `bytes */${body.length}`).header("content-type", TEXT_PLAIN).send("invalid range: failed to overlap\n");
  }
  if (range) {
    return reply
      .code(206)
      .header("content-range", `bytes ${range.start}-${range.end}/${body.length}`)
      .send(body.subarray(range.start, range.end + 1));
  }
  return reply.code(200).send(body);
}
