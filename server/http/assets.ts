import { close, fstat, open, promises as fsp, readlinkSync, type Stats } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { FastifyReply, FastifyRequest } from "fastify";
import { escapePath } from "./canonical.js";
import { sendFileBody } from "./file-body.js";
import { fileAnswer } from "./file-response.js";
import { sendNotFound } from "./respond.js";
import { compareBytes } from "../match/group.js";
import { READ_ONLY_NO_WAIT } from "../util/open-flags.js";

export const ASSETS_PREFIX = "/assets/";

const openFile = promisify(open);
const statFile = promisify(fstat);
const closeQuietly = (fd: number) => close(fd, () => undefined);

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&#34;").replace(/'/g, "&#39;");

/**
 * Go's directory listing (net/http's dirList): entries sorted by name as
 * bytes, each linked relative to the folder. The href is `./` and the name
 * percent-encoded, so no name can read as a scheme (`javascript:…`), a query
 * or a fragment; the text is the name, HTML-escaped.
 */
export function renderListing(dirs: { name: string }[], files: { name: string }[]): string {
  const entries = [...dirs.map((d) => ({ name: d.name, suffix: "/" })), ...files.map((f) => ({ name: f.name, suffix: "" }))].sort((a, b) => compareBytes(a.name, b.name));
  const links = entries.map((e) => `<a href="${escapeHtml("./" + escapePath(e.name + e.suffix))}">${escapeHtml(e.name + e.suffix)}</a>\n`).join("");
  return `<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${links}</pre>\n`;
}

/** The path an open descriptor refers to, symlinks resolved (Linux's /proc/self/fd); undefined where that is not available. */
function pathOfDescriptor(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

interface OpenAsset {
  fd: number;
  stats: Stats;
  /** Its real path (symlinks resolved), inside the root. */
  real: string;
}

/**
 * The assets folder as Go's http.FileServer serves it: files with Range,
 * HEAD, ETag/Last-Modified and conditional requests (file-response.ts),
 * folders with their index.html or a listing, a folder asked for without its
 * slash redirected. The path it gets is already decoded and cleaned; what
 * could still leave the root is refused: NUL, backslashes, and any path whose
 * file, once opened, is not under the root's real path (a symlink pointing
 * out). The check is made on the opened descriptor, so the file checked is
 * the file sent. Bodies go out through file-body.ts.
 */
export class AssetFiles {
  /** The root's real path, looked up again when a file seems to be outside it (the root itself may be a symlink that moved). */
  private realRoot: string | undefined;
  /** The real paths of the hidden folders, under the current real root. */
  private hiddenRoots: string[] = [];

  /** `hidden`: names at the top of the root that are netboot's own (the OS image cache's work folder): never served or listed. */
  constructor(
    private readonly root: string,
    private readonly hidden: ReadonlySet<string> = new Set(),
  ) {}

  async serve(request: FastifyRequest, reply: FastifyReply, relative: string): Promise<FastifyReply | undefined> {
    request.outcome.endpoint = "/assets/";
    if (relative.includes("\0") || relative.includes("\\") || relative.split("/").includes("..")) {
      return sendNotFound(reply, "refused path");
    }
    const opened = await this.open(relative);
    if (typeof opened === "string") return sendNotFound(reply, opened);
    if (opened.stats.isDirectory()) {
      closeQuietly(opened.fd);
      if (relative !== "" && !relative.endsWith("/")) {
        const query = request.url.includes("?") ? request.url.slice(request.url.indexOf("?")) : "";
        return reply.redirect(escapePath(ASSETS_PREFIX + relative + "/") + query, 301);
      }
      // A folder is answered with its index.html when it has one, else a listing (as Go's file server).
      const index = await this.open(relative + "index.html");
      if (typeof index !== "string") {
        if (index.stats.isFile()) return this.sendFile(request, reply, relative + "index.html", index);
        closeQuietly(index.fd);
      }
      return this.sendListing(reply, opened.real, relative === "");
    }
    if (!opened.stats.isFile()) {
      closeQuietly(opened.fd);
      return sendNotFound(reply, "not a file");
    }
    return this.sendFile(request, reply, relative, opened);
  }

  /** Opens a path under the root, or says why not ("no such asset", "refused path"). */
  private async open(relative: string): Promise<OpenAsset | string> {
    const absolute = path.join(this.root, relative);
    let fd: number;
    try {
      fd = await openFile(absolute, READ_ONLY_NO_WAIT);
    } catch {
      return "no such asset";
    }
    try {
      const real = pathOfDescriptor(fd) ?? (await fsp.realpath(absolute));
      if (!(await this.servable(real))) {
        closeQuietly(fd);
        return "refused path";
      }
      return { fd, stats: await statFile(fd), real };
    } catch {
      closeQuietly(fd);
      return "no such asset";
    }
  }

  /** Whether a real path is under the root, and not in one of netboot's own folders there (however a path or symlink led to it). */
  private async servable(real: string): Promise<boolean> {
    const inside = (root: string) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
    if (this.realRoot === undefined || !inside(this.realRoot)) {
      const realRoot = await fsp.realpath(this.root);
      this.hiddenRoots = [...this.hidden].map((name) => path.join(realRoot, name));
      this.realRoot = realRoot;
      if (!inside(realRoot)) return false;
    }
    return !this.hiddenRoots.some(inside);
  }

  private sendFile(request: FastifyRequest, reply: FastifyReply, name: string, file: OpenAsset): FastifyReply | undefined {
    const answer = fileAnswer(request.headers, name, file.stats);
    if ("body" in answer) {
      closeQuietly(file.fd);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    }
    // The body is written straight to the socket (fastify's reply would pipe a stream):
    // its hooks still run when the response finishes.
    reply.hijack();
    const res = reply.raw;
    res.statusCode = answer.status;
    for (const name in answer.headers) res.setHeader(name, answer.headers[name]!);
    if ("start" in answer && request.method !== "HEAD") {
      sendFileBody(res, file.fd, answer.start, answer.end);
      return undefined;
    }
    closeQuietly(file.fd);
    res.end();
    return undefined;
  }

  /** Entries that cannot be looked at (a dangling symlink) are left out; dot files are listed, but not netboot's own folders. */
  private async sendListing(reply: FastifyReply, directory: string, isRoot: boolean): Promise<FastifyReply> {
    let names: string[];
    try {
      names = await fsp.readdir(directory);
    } catch {
      return sendNotFound(reply, "unreadable folder");
    }
    if (isRoot) names = names.filter((name) => !this.hidden.has(name));
    const dirs: { name: string }[] = [];
    const files: { name: string }[] = [];
    await Promise.all(
      names.map(async (name) => {
        const stats = await fsp.stat(path.join(directory, name)).catch(() => undefined);
        if (stats) (stats.isDirectory() ? dirs : files).push({ name });
      }),
    );
    return reply.code(200).header("content-type", "text/html; charset=utf-8").send(renderListing(dirs, files));
  }
}
