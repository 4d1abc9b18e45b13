import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A real HTTP upstream on loopback: serves the given files, counts every request by path. */
export interface Upstream {
  url: string;
  hits: Map<string, number>;
  files: Map<string, Buffer>;
  /** Per path: a redirect target, a status to answer, or a delay between chunks (ms) to make a transfer slow. */
  redirects: Map<string, string>;
  statuses: Map<string, number>;
  slowMs: number;
  count(path: string): number;
  close(): Promise<void>;
}

export async function startUpstream(files: Record<string, string | Buffer> = {}): Promise<Upstream> {
  const state = {
    hits: new Map<string, number>(),
    files: new Map(Object.entries(files).map(([k, v]) => [k, Buffer.from(v)])),
    redirects: new Map<string, string>(),
    statuses: new Map<string, number>(),
    slowMs: 0,
  };
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url!, "http://x").pathname);
    state.hits.set(path, (state.hits.get(path) ?? 0) + 1);
    const redirect = state.redirects.get(path);
    if (redirect) {
      res.writeHead(302, { location: redirect }).end();
      return;
    }
    const status = state.statuses.get(path);
    if (status) {
      res.writeHead(status).end("nope\n");
      return;
    }
    const body = state.files.get(path);
    if (!body) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-length": String(body.length), "content-type": "application/octet-stream" });
    if (req.method === "HEAD") return void res.end();
    if (state.slowMs <= 0) return void res.end(body);
    // Slow: 16 pieces, a pause between each (bounded: 16 × slowMs).
    const piece = Math.ceil(body.length / 16);
    let offset = 0;
    const next = () => {
      if (res.destroyed) return;
      if (offset >= body.length) return void res.end();
      res.write(body.subarray(offset, offset + piece));
      offset += piece;
      setTimeout(next, state.slowMs);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    count: (path: string) => state.hits.get(path) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

export const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
export const sha512 = (data: string | Buffer) => createHash("sha512").update(data).digest("hex");

/** Deterministic pseudo-random bytes (a stand-in kernel or initrd). */
export function blob(bytes: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
