import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, utimesSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawGet, rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { bootableFiles } from "./support/fixtures.js";

const TEN = "0123456789";
const MODIFIED = new Date("2024-01-02T03:04:05Z");
const BIG_BYTES = 16 * 1024 * 1024;

/** A raw request with extra header lines; the connection closes after the answer. */
function ask(s: TestServer, target: string, headers: Record<string, string> = {}, method = "GET") {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return rawRequest(s.url, `${method} ${target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n${lines}\r\n`);
}

const header = (head: string, name: string) => new RegExp(`^${name}:\\s*(.*)$`, "im").exec(head)?.[1]?.trim();

describe("/assets/ HTTP semantics (Go's file server)", () => {
  let s: TestServer;
  let tag: string;
  const lastModified = MODIFIED.toUTCString();
  beforeAll(async () => {
    s = await startTestServer({
      files: { ...bootableFiles(), "secret.txt": "SECRET", "assets/ten.bin": TEN, "assets/empty.txt": "", "assets/big.bin": Buffer.alloc(BIG_BYTES, 7) },
    });
    const assets = path.join(s.dataDir, "assets");
    utimesSync(path.join(assets, "ten.bin"), MODIFIED, MODIFIED);
    mkdirSync(path.join(assets, "site"));
    symlinkSync("../../secret.txt", path.join(assets, "site", "index.html"));
    execFileSync("mkfifo", [path.join(assets, "pipe")]);
    tag = header((await ask(s, "/assets/ten.bin")).head, "etag")!;
  });
  afterAll(() => s.close());

  it("answers a single range, a suffix range and an open-ended range with 206", async () => {
    for (const [range, body, contentRange] of [
      ["bytes=0-4", "01234", "bytes 0-4/10"],
      ["bytes=-3", "789", "bytes 7-9/10"],
      ["bytes=5-", "56789", "bytes 5-9/10"],
      ["bytes=8-100", "89", "bytes 8-9/10"],
      ["bytes=0-3,2-5", "012345", "bytes 0-5/10"],
    ] as const) {
      const res = await ask(s, "/assets/ten.bin", { Range: range });
      expect([res.status, res.body, header(res.head, "content-range"), header(res.head, "content-length")], range).toEqual([206, body, contentRange, String(body.length)]);
    }
  });

  it("answers several disjoint ranges with the whole file", async () => {
    const res = await ask(s, "/assets/ten.bin", { Range: "bytes=0-1,4-5" });
    expect([res.status, res.body]).toEqual([200, TEN]);
  });

  it("answers 416 with Content-Range bytes */size when no range can be satisfied", async () => {
    for (const range of ["bytes=10-", "bytes=20-30", "bytes=-0", "bytes=5-2", "bytes=abc"]) {
      const res = await ask(s, "/assets/ten.bin", { Range: range });
      expect([res.status, header(res.head, "content-range")], range).toEqual([416, "bytes */10"]);
    }
    expect((await ask(s, "/assets/empty.txt", { Range: "bytes=0-" })).status).toBe(416);
  });

  it("ignores a Range of another unit, and honours If-Range only while it holds", async () => {
    expect((await ask(s, "/assets/ten.bin", { Range: "items=0-1" })).status).toBe(200);
    expect((await ask(s, "/assets/ten.bin", { Range: "bytes=0-1", "If-Range": tag })).body).toBe("01");
    expect((await ask(s, "/assets/ten.bin", { Range: "bytes=0-1", "If-Range": lastModified })).body).toBe("01");
    expect((await ask(s, "/assets/ten.bin", { Range: "bytes=0-1", "If-Range": '"other"' })).body).toBe(TEN);
    expect((await ask(s, "/assets/ten.bin", { Range: "bytes=0-1", "If-Range": "Mon, 01 Jan 2024 00:00:00 GMT" })).body).toBe(TEN);
  });

  it("answers conditional requests: ETag and If-Modified-Since with 304, failed preconditions with 412", async () => {
    const ok = await ask(s, "/assets/ten.bin");
    expect(tag).toMatch(/^W\/"a-[0-9a-f]+"$/);
    expect(header(ok.head, "last-modified")).toBe(lastModified);
    expect((await ask(s, "/assets/ten.bin", { "If-None-Match": tag })).status).toBe(304);
    expect((await ask(s, "/assets/ten.bin", { "If-None-Match": `"x", ${tag}` })).status).toBe(304);
    expect((await ask(s, "/assets/ten.bin", { "If-None-Match": '"x"' })).status).toBe(200);
    expect((await ask(s, "/assets/ten.bin", { "If-Modified-Since": lastModified })).status).toBe(304);
    expect((await ask(s, "/assets/ten.bin", { "If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT" })).status).toBe(200);
    expect((await ask(s, "/assets/ten.bin", { "If-Modified-Since": lastModified, "Cache-Control": "no-cache" })).status).toBe(200);
    expect((await ask(s, "/assets/ten.bin", { "If-Match": '"x"' })).status).toBe(412);
    expect((await ask(s, "/assets/ten.bin", { "If-Match": tag })).status).toBe(200);
    expect((await ask(s, "/assets/ten.bin", { "If-Unmodified-Since": "Mon, 01 Jan 2024 00:00:00 GMT" })).status).toBe(412);
  });

  it("answers HEAD with GET's length and no body, for whole files and ranges", async () => {
    const head = await ask(s, "/assets/big.bin", {}, "HEAD");
    expect([head.status, header(head.head, "content-length"), head.body]).toEqual([200, String(BIG_BYTES), ""]);
    const part = await ask(s, "/assets/ten.bin", { Range: "bytes=2-4" }, "HEAD");
    expect([part.status, header(part.head, "content-length"), part.body]).toEqual([206, "3", ""]);
  });

  it("sends a large file whole, and a range deep inside it", async () => {
    const whole = await s.get("/assets/big.bin");
    expect(whole.bytes.length).toBe(BIG_BYTES);
    expect(whole.bytes.every((b) => b === 7)).toBe(true);
    const part = await s.get("/assets/big.bin", { headers: { range: `bytes=${BIG_BYTES - 300_000}-${BIG_BYTES - 1}` } });
    expect([part.status, part.bytes.length]).toEqual([206, 300_000]);
  });

  it("does not serve a folder's index.html that is a symlink out of the root", async () => {
    const res = await rawGet(s.url, "/assets/site/");
    expect(res.body).not.toContain("SECRET");
  });

  it("answers a FIFO in the folder with 404 at once instead of waiting for a writer", async () => {
    const res = await rawGet(s.url, "/assets/pipe");
    expect(res.status).toBe(404);
  });

  it("holds at most 1 MiB of buffers per download in flight, however slowly the clients read", async () => {
    const port = Number(new URL(s.url).port);
    const before = process.memoryUsage().arrayBuffers;
    // Clients that send a request and then read nothing: the server fills their sockets and must wait.
    const sockets = await Promise.all(
      Array.from({ length: 16 }, () => new Promise<net.Socket>((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => {
          socket.write("GET /assets/big.bin HTTP/1.1\r\nHost: test\r\n\r\n");
          resolve(socket);
        });
        socket.pause();
      })),
    );
    try {
      // The most held at any moment while they stall (sampled: garbage not yet collected counts too).
      let most = 0;
      for (let i = 0; i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        most = Math.max(most, process.memoryUsage().arrayBuffers - before);
      }
      expect(most).toBeLessThan(sockets.length * 1024 * 1024);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    // The server keeps serving once they are gone.
    expect((await ask(s, "/assets/ten.bin")).body).toBe(TEN);
  });
});
