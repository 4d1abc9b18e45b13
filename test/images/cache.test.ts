import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ImageCache } from "../../server/images/cache.js";
import { decodeSource, declaredFiles } from "../../server/images/declaration.js";
import { blob, sha256, startUpstream } from "./upstream.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An image cache over a fresh assets folder, and one declared file served by a loopback upstream. */
async function setUp(seed: number) {
  const kernel = blob(64 * 1024, seed);
  const upstream = await startUpstream({ "/os/kernel": kernel });
  cleanups.push(() => upstream.close());
  const assetsRoot = mkdtempSync(path.join(os.tmpdir(), "netboot-cache-"));
  cleanups.push(() => rmSync(assetsRoot, { recursive: true, force: true }));
  const source = decodeSource({ path: "os", url: `${upstream.url}/os/`, files: [{ name: "kernel", sha256: sha256(kernel) }] }, "sources/os.json");
  const file = declaredFiles([source]).get("os/kernel")!;
  const cache = new ImageCache({ assetsRoot, logger: pino({ level: "silent" }) });
  return { upstream, assetsRoot, file, cache };
}

describe("ImageCache.ensure", () => {
  it("gives requests that come while a fetch is starting that same start: one temporary file, one transfer", async () => {
    const { upstream, assetsRoot, file, cache } = await setUp(3);
    upstream.slowMs = 50;

    const first = cache.ensure(file, [file]);
    const second = cache.ensure(file, [file]);
    expect(second).toBe(first);
    const job = await first;
    expect(readdirSync(path.join(assetsRoot, ".netboot-images/partial"))).toHaveLength(1);
    expect(await cache.ensure(file, [file])).toBe(job);
    await job.done;
    expect(upstream.count("/os/kernel")).toBe(1);
    expect(readdirSync(path.join(assetsRoot, ".netboot-images/partial"))).toEqual([]);
  });

  it("a start that cannot create its temporary file fails every request that joined it, and the next request starts afresh", async () => {
    const { upstream, assetsRoot, file, cache } = await setUp(5);
    // A file where the work folder should be: creating the temporary file fails.
    writeFileSync(path.join(assetsRoot, ".netboot-images"), "in the way");

    const attempts = [cache.ensure(file, [file]), cache.ensure(file, [file])];
    expect(attempts[1]).toBe(attempts[0]);
    const outcomes = await Promise.allSettled(attempts);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
    expect(upstream.count("/os/kernel")).toBe(0);

    rmSync(path.join(assetsRoot, ".netboot-images"));
    const job = await cache.ensure(file, [file]);
    await job.done;
    expect(upstream.count("/os/kernel")).toBe(1);
  });
});
