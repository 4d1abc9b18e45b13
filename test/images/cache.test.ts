import { mkdtempSync, readdirSync, rmSync } from "node:fs";
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

describe("ImageCache.ensure", () => {
  it("gives requests that come while a fetch is starting that same start: one temporary file, one transfer", async () => {
    const kernel = blob(64 * 1024, 3);
    const upstream = await startUpstream({ "/os/kernel": kernel });
    cleanups.push(() => upstream.close());
    upstream.slowMs = 50;
    const assetsRoot = mkdtempSync(path.join(os.tmpdir(), "netboot-cache-"));
    cleanups.push(() => rmSync(assetsRoot, { recursive: true, force: true }));
    const source = decodeSource({ path: "os", url: `${upstream.url}/os/`, files: [{ name: "kernel", sha256: sha256(kernel) }] }, "sources/os.json");
    const file = declaredFiles([source]).get("os/kernel")!;
    const cache = new ImageCache({ assetsRoot, logger: pino({ level: "silent" }) });

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
});
