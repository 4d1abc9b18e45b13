import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { STREAM_AFTER_MS } from "../../server/images/http-hook.js";
import { blob, sha256, startUpstream, type Upstream } from "./upstream.js";
import { makeRoot, startImageServer } from "./server.js";

const KERNEL = blob(3 * 1024 * 1024 + 17, 7);
const INITRD = blob(5 * 1024 * 1024 + 3, 9);

function declaration(upstream: Upstream, files: { name: string; sha256: string; size?: number }[], extra = ""): string {
  const lines = [`path: os/1.0`, `url: ${upstream.url}/builds/1.0/`, `files:`];
  for (const f of files) {
    lines.push(`  - name: ${f.name}`, `    sha256: ${f.sha256}`);
    if (f.size !== undefined) lines.push(`    size: ${f.size}`);
  }
  return lines.join("\n") + "\n" + extra;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(files: { name: string; sha256: string; size?: number }[], upstreamFiles: Record<string, Buffer>, extra: Parameters<typeof startImageServer>[1] = {}) {
  const upstream = await startUpstream(upstreamFiles);
  cleanups.push(() => upstream.close());
  const root = makeRoot({ "sources/os.yaml": declaration(upstream, files) });
  cleanups.push(root.remove);
  const server = await startImageServer(root.dataDir, extra);
  cleanups.push(() => server.close());
  return { upstream, root, server };
}

describe("pull-through serving of declared files", () => {
  it("fetches a file once for 50 concurrent requests, verifies it and stores it", async () => {
    const { upstream, server, root } = await setUp([{ name: "kernel", sha256: sha256(KERNEL) }], { "/builds/1.0/kernel": KERNEL });
    upstream.slowMs = 20;
    const answers = await Promise.all(Array.from({ length: 50 }, () => server.get("/assets/os/1.0/kernel")));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.bytes.equals(KERNEL)).toBe(true);
    }
    expect(upstream.count("/builds/1.0/kernel")).toBe(1);
    expect(readFileSync(path.join(root.assetsDir, "os/1.0/kernel")).equals(KERNEL)).toBe(true);
    expect(readdirSync(path.join(root.assetsDir, ".netboot-images/partial"))).toEqual([]);
    // Later requests are served from disk, with the assets' ETag.
    const again = await server.get("/assets/os/1.0/kernel");
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBeDefined();
    expect(upstream.count("/builds/1.0/kernel")).toBe(1);
    const metrics = (await server.get("/metrics")).body;
    expect(metrics).toMatch(/netboot_images_fetched_bytes_total \d+/);
    const count = (result: string) => Number(new RegExp(`netboot_images_requests_total\\{result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(count("hit") + count("miss")).toBe(51);
    expect(count("hit")).toBeGreaterThanOrEqual(1);
    expect(metrics).toContain('netboot_images_fetches_total{result="ok"} 1');
  });

  it("refuses a file whose digest does not match, stores nothing, logs both digests, and backs off before trying again", async () => {
    const wrong = Buffer.from(KERNEL);
    wrong[1000] ^= 0xff;
    const { upstream, server, root } = await setUp([{ name: "kernel", sha256: sha256(KERNEL) }], { "/builds/1.0/kernel": wrong });
    const first = await server.get("/assets/os/1.0/kernel");
    expect(first.status).toBe(502);
    expect(first.body).toMatch(/^502 os\/1\.0\/kernel: sha256 mismatch: declared [0-9a-f]{64}, upstream sent [0-9a-f]{64}\n$/);
    expect(existsSync(path.join(root.assetsDir, "os/1.0/kernel"))).toBe(false);
    expect(readdirSync(path.join(root.assetsDir, ".netboot-images/partial"))).toEqual([]);
    const line = server.logs.find((l) => String(l.msg).startsWith("image fetch failed"))!;
    expect(line).toMatchObject({ file: "os/1.0/kernel", url: `${upstream.url}/builds/1.0/kernel`, expected: sha256(KERNEL), actual: sha256(wrong) });
    // Within the back-off window: answered from the failure, no new fetch.
    const second = await server.get("/assets/os/1.0/kernel");
    expect(second.status).toBe(502);
    expect(second.headers["retry-after"]).toBe("1");
    expect(upstream.count("/builds/1.0/kernel")).toBe(1);
    expect((await server.get("/metrics")).body).toContain('netboot_images_verification_failures_total{kind="digest"} 1');
    // Fixed upstream, window over: the next request fetches again.
    upstream.files.set("/builds/1.0/kernel", KERNEL);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const third = await server.get("/assets/os/1.0/kernel");
    expect(third.status).toBe(200);
    expect(third.bytes.equals(KERNEL)).toBe(true);
    expect(upstream.count("/builds/1.0/kernel")).toBe(2);
  });

  it("streams the file to a first client still waiting after a while, and sends the last byte once it is verified", async () => {
    const { upstream, server } = await setUp([{ name: "kernel", sha256: sha256(KERNEL), size: KERNEL.length }], { "/builds/1.0/kernel": KERNEL });
    upstream.slowMs = 500; // 16 pieces, 8 s in all: longer than a GET waits before it is streamed
    const started = performance.now();
    const response = await request(`${server.url}/assets/os/1.0/kernel`);
    const headersAt = performance.now() - started;
    expect(response.statusCode).toBe(200);
    expect(response.headers["x-netboot-cache"]).toBe("miss");
    expect(response.headers["content-length"]).toBe(String(KERNEL.length));
    const chunks: Buffer[] = [];
    let firstByteAt = 0;
    for await (const chunk of response.body) {
      if (chunks.length === 0) firstByteAt = performance.now() - started;
      chunks.push(chunk as Buffer);
    }
    const endAt = performance.now() - started;
    expect(Buffer.concat(chunks).equals(KERNEL)).toBe(true);
    // The first bytes came long before the last piece left the upstream.
    expect(headersAt).toBeGreaterThanOrEqual(STREAM_AFTER_MS - 50);
    expect(headersAt).toBeLessThan(endAt - 1000);
    expect(firstByteAt).toBeLessThan(endAt - 1000);
  });

  it("cuts the first client's stream short when the file turns out not to match", async () => {
    const wrong = Buffer.from(KERNEL);
    wrong[KERNEL.length - 1] ^= 0xff;
    const { upstream, server } = await setUp([{ name: "kernel", sha256: sha256(KERNEL), size: KERNEL.length }], { "/builds/1.0/kernel": wrong });
    upstream.slowMs = 400; // 6.4 s: streamed before the mismatch shows
    const response = await request(`${server.url}/assets/os/1.0/kernel`);
    expect(response.statusCode).toBe(200);
    const received: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of response.body) received.push(chunk as Buffer);
    })().then(
      () => undefined,
      (err: Error) => err,
    );
    // Cut one byte short of the announced length: never the whole, unverified file.
    expect(error).toBeInstanceOf(Error);
    expect(Buffer.concat(received).length).toBe(KERNEL.length - 1);
  });

  it("serves a cached file when the upstream is down, and after a restart", async () => {
    const { upstream, server, root } = await setUp([{ name: "initrd.img", sha256: sha256(INITRD) }], { "/builds/1.0/initrd.img": INITRD });
    expect((await server.get("/assets/os/1.0/initrd.img")).status).toBe(200);
    await upstream.close();
    const cached = await server.get("/assets/os/1.0/initrd.img");
    expect(cached.status).toBe(200);
    expect(cached.bytes.equals(INITRD)).toBe(true);
    await server.close();
    cleanups.pop();
    const restarted = await startImageServer(root.dataDir);
    cleanups.push(() => restarted.close());
    const ranged = await restarted.get("/assets/os/1.0/initrd.img", { headers: { range: "bytes=100-199" } });
    expect(ranged.status).toBe(206);
    expect(ranged.bytes.equals(INITRD.subarray(100, 200))).toBe(true);
  });

  it("answers an upstream that is down with a 502 naming it", async () => {
    const { upstream, server } = await setUp([{ name: "kernel", sha256: sha256(KERNEL) }], {});
    await upstream.close();
    const answer = await server.get("/assets/os/1.0/kernel");
    expect(answer.status).toBe(502);
    expect(answer.body).toContain(`upstream ${upstream.url}/builds/1.0/kernel failed`);
  });

  it("answers a Range request on a file being fetched with the right bytes once it is cached", async () => {
    const { upstream, server } = await setUp([{ name: "initrd.img", sha256: sha256(INITRD) }], { "/builds/1.0/initrd.img": INITRD });
    upstream.slowMs = 20;
    const [whole, ranged, suffix] = await Promise.all([
      server.get("/assets/os/1.0/initrd.img"),
      server.get("/assets/os/1.0/initrd.img", { headers: { range: "bytes=1048576-2097151" } }),
      server.get("/assets/os/1.0/initrd.img", { headers: { range: "bytes=-10" } }),
    ]);
    expect(whole.status).toBe(200);
    expect(whole.bytes.equals(INITRD)).toBe(true);
    expect(whole.headers["content-length"]).toBe(String(INITRD.length));
    expect(ranged.status).toBe(206);
    expect(ranged.headers["content-range"]).toBe(`bytes 1048576-2097151/${INITRD.length}`);
    expect(ranged.bytes.equals(INITRD.subarray(1048576, 2097152))).toBe(true);
    expect(suffix.bytes.equals(INITRD.subarray(INITRD.length - 10))).toBe(true);
    expect(upstream.count("/builds/1.0/initrd.img")).toBe(1);
  });

  it("answers HEAD of an uncached file with its declared size without fetching", async () => {
    const { upstream, server, root } = await setUp([{ name: "kernel", sha256: sha256(KERNEL), size: KERNEL.length }], { "/builds/1.0/kernel": KERNEL });
    const head = await server.get("/assets/os/1.0/kernel", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(KERNEL.length));
    expect(upstream.count("/builds/1.0/kernel")).toBe(0);
    expect(existsSync(path.join(root.assetsDir, "os/1.0/kernel"))).toBe(false);
  });

  it("refuses a redirect to plain http on another origin, and never serves the download folder", async () => {
    const { upstream, server, root } = await setUp([{ name: "kernel", sha256: sha256(KERNEL) }], {});
    // Plain http to an address that is not loopback (0.0.0.0 still reaches only this machine, should the policy ever fail).
    upstream.redirects.set("/builds/1.0/kernel", "http://0.0.0.0:9/kernel");
    const answer = await server.get("/assets/os/1.0/kernel");
    expect(answer.status).toBe(502);
    expect(answer.body).toContain("refused a redirect to http://0.0.0.0:9 (only https, or the same origin, is followed)");
    expect((await server.get("/assets/.netboot-images/stored/")).status).toBe(404);
    expect((await server.get("/assets/.netboot-images")).status).toBe(404);
    // Nor through a symbolic link in the assets folder.
    symlinkSync(".netboot-images", path.join(root.assetsDir, "peek"));
    expect((await server.get("/assets/peek/")).status).toBe(404);
    expect((await server.get("/assets/peek/partial/")).status).toBe(404);
    // The folder exists (the failed download used it) but the assets listing does not show it.
    expect(existsSync(path.join(root.assetsDir, ".netboot-images/partial"))).toBe(true);
    writeFileSync(path.join(root.assetsDir, ".hidden-by-the-user"), "x");
    const listing = await server.get("/assets/");
    expect(listing.status).toBe(200);
    expect(listing.body).toContain(".hidden-by-the-user");
    expect(listing.body).not.toContain(".netboot-images");
  });

  it("follows a redirect on the same loopback upstream", async () => {
    const { upstream, server } = await setUp([{ name: "kernel", sha256: sha256(KERNEL) }], { "/mirror/kernel": KERNEL });
    upstream.redirects.set("/builds/1.0/kernel", `${upstream.url}/mirror/kernel`);
    const answer = await server.get("/assets/os/1.0/kernel");
    expect(answer.status).toBe(200);
    expect(answer.bytes.equals(KERNEL)).toBe(true);
  });

  it("picks up a declaration added while it runs (sources/ is watched with the rest of the data directory)", async () => {
    const upstream = await startUpstream({ "/builds/1.0/kernel": KERNEL });
    cleanups.push(() => upstream.close());
    const root = makeRoot({ "profiles/.keep": "" });
    cleanups.push(root.remove);
    const server = await startImageServer(root.dataDir);
    cleanups.push(() => server.close());
    expect((await server.get("/assets/os/1.0/kernel")).status).toBe(404);
    mkdirSync(path.join(root.dataDir, "sources"));
    writeFileSync(path.join(root.dataDir, "sources/.os.yaml.tmp"), declaration(upstream, [{ name: "kernel", sha256: sha256(KERNEL) }]));
    renameSync(path.join(root.dataDir, "sources/.os.yaml.tmp"), path.join(root.dataDir, "sources/os.yaml"));
    for (let i = 0; i < 100 && server.server.store.current.sources.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await server.get("/assets/os/1.0/kernel");
    expect(answer.status).toBe(200);
    expect(answer.bytes.equals(KERNEL)).toBe(true);
  });

  it("removes downloads a previous run left half-written when it starts", async () => {
    const upstream = await startUpstream({});
    cleanups.push(() => upstream.close());
    const root = makeRoot({ "sources/os.yaml": declaration(upstream, [{ name: "kernel", sha256: sha256(KERNEL) }]), "assets/.netboot-images/partial/0123.part": KERNEL.subarray(0, 1000) });
    cleanups.push(root.remove);
    const server = await startImageServer(root.dataDir);
    cleanups.push(() => server.close());
    expect(readdirSync(path.join(root.assetsDir, ".netboot-images/partial"))).toEqual([]);
    expect(existsSync(path.join(root.assetsDir, "os/1.0/kernel"))).toBe(false);
  });

  it("refuses to store a file where a symlinked folder would take it out of the assets folder", async () => {
    const outside = makeRoot({});
    cleanups.push(outside.remove);
    const { server, root } = await setUp([{ name: "kernel", sha256: sha256(KERNEL) }], { "/builds/1.0/kernel": KERNEL });
    symlinkSync(outside.dataDir, path.join(root.assetsDir, "os"));
    // A Range request waits for the stored file (a plain GET would be streamed, then cut).
    const answer = await server.get("/assets/os/1.0/kernel", { headers: { range: "bytes=0-9" } });
    expect(answer.status).toBe(502);
    expect(answer.body).toContain("refused: os/1.0/kernel would be stored outside the assets folder");
    expect(readdirSync(outside.dataDir)).toEqual(["assets"]);
  });

  it("keeps the cache within its byte budget", async () => {
    const { server, root } = await setUp(
      [
        { name: "kernel", sha256: sha256(KERNEL), size: KERNEL.length },
        { name: "initrd.img", sha256: sha256(INITRD) },
      ],
      { "/builds/1.0/kernel": KERNEL, "/builds/1.0/initrd.img": INITRD },
      { assetsCacheMaxBytes: KERNEL.length + 1024 },
    );
    expect((await server.get("/assets/os/1.0/kernel")).status).toBe(200);
    const over = await server.get("/assets/os/1.0/initrd.img");
    expect(over.status).toBe(507);
    expect(over.body).toContain("assets cache budget exceeded");
    expect(existsSync(path.join(root.assetsDir, "os/1.0/initrd.img"))).toBe(false);
  });
});
