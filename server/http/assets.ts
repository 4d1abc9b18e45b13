import { promises as fs } from "node:fs";
import path from "node:path";
import type { SendOptions } from "@fastify/static";
import type { FastifyReply, FastifyRequest } from "fastify";
import { escapePath } from "./canonical.js";
import { sendNotFound } from "./respond.js";

export const ASSETS_PREFIX = "/assets/";

/** Large reads: a kernel or initrd goes out in 1 MiB chunks (2-4x less CPU per GiB than the 64 KiB default). */
const SEND_OPTIONS: SendOptions & { highWaterMark: number } = { highWaterMark: 1024 * 1024 };

/** Bytes a URL path keeps as they are (Go's url package, encodePath mode): unreserved characters and `$&+,/:;=@`. */
const PATH_SAFE = /^[A-Za-z0-9\-_.~$&+,/:;=@]$/;

/** A file name as a URL path: every other byte of its UTF-8 percent-encoded, `?`, `#`, `%`, space and quotes included. */
function escapePathName(name: string): string {
  let out = "";
  for (const byte of Buffer.from(name, "utf8")) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && PATH_SAFE.test(c) ? c : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");

/**
 * Go's directory listing (net/http's dirList): entries sorted by name as
 * bytes, each linked relative to the folder. The href is `./` and the name
 * percent-encoded, so no name can read as a scheme (`javascript:…`), a query
 * or a fragment; the text is the name, HTML-escaped.
 */
export function renderListing(dirs: { name: string }[], files: { name: string }[]): string {
  const entries = [...dirs.map((d) => ({ name: d.name, suffix: "/" })), ...files.map((f) => ({ name: f.name, suffix: "" }))].sort((a, b) =>
    Buffer.compare(Buffer.from(a.name, "utf8"), Buffer.from(b.name, "utf8")),
  );
  const links = entries.map((e) => `<a href="${escapeHtml("./" + escapePathName(e.name + e.suffix))}">${escapeHtml(e.name + e.suffix)}</a>\n`).join("");
  return `<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${links}</pre>\n`;
}

/**
 * Serves a file under the assets root with @fastify/static (Range, HEAD,
 * ETag/Last-Modified and 304, directory redirects). `relative` is already
 * decoded and cleaned; what could still leave the root is refused here: NUL,
 * backslashes, and symlinks whose target is outside the root.
 */
export async function serveAsset(request: FastifyRequest, reply: FastifyReply, assetsRoot: string, relative: string): Promise<FastifyReply> {
  request.outcome.endpoint = "/assets/";
  if (relative.includes("\0") || relative.includes("\\") || relative.split("/").includes("..")) {
    return sendNotFound(reply, "refused path");
  }
  const realRoot = await fs.realpath(assetsRoot);
  if (relative !== "") {
    let target: string;
    try {
      target = await fs.realpath(path.join(assetsRoot, relative));
    } catch {
      return sendNotFound(reply, "no such asset");
    }
    if (target !== realRoot && !target.startsWith(realRoot + path.sep)) return sendNotFound(reply, "refused path");
    if (!relative.endsWith("/") && (await fs.stat(target)).isDirectory()) {
      const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
      return reply.redirect(escapePath(ASSETS_PREFIX + relative + "/") + query, 301);
    }
  }
  // A folder is answered with its index.html when it has one, else a listing (as Go's file server).
  if (relative === "" || relative.endsWith("/")) {
    const index = path.join(realRoot, relative, "index.html");
    const hasIndex = await fs.stat(index).then((st) => st.isFile(), () => false);
    if (hasIndex) return reply.sendFile("/" + relative + "index.html", realRoot, SEND_OPTIONS);
  }
  return reply.sendFile("/" + relative, realRoot, SEND_OPTIONS);
}
