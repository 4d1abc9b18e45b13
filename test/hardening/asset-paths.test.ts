import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawGet } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { bootableFiles } from "./support/fixtures.js";

const SECRET = "SECRET-7f3a9c-must-never-be-served";
const INSIDE = "inside asset bytes\n";

/**
 * Request targets that try to leave the assets root. HTTP client libraries
 * normalise paths, so these go out as raw request lines.
 */
function hostileTargets(outsideDir: string): string[] {
  const abs = outsideDir.replace(/^\//, "");
  return [
    "/assets/../secret.txt",
    "/assets/../../secret.txt",
    "/assets/sub/../../secret.txt",
    "/assets/%2e%2e/secret.txt",
    "/assets/%2E%2E/secret.txt",
    "/assets/.%2e/secret.txt",
    "/assets/sub/%2e%2e/%2e%2e/secret.txt",
    "/assets/%2e%2e%2fsecret.txt",
    "/assets/%252e%252e/secret.txt",
    "/assets/%252e%252e%252fsecret.txt",
    "/assets/..%5csecret.txt",
    "/assets/..\\secret.txt",
    "/assets/%5c..%5csecret.txt",
    "/assets/sub%5c..%5c..%5csecret.txt",
    "/assets/inside.txt%00",
    "/assets/inside.txt%00.png",
    "/assets/%00/../secret.txt",
    "/assets/..%00/secret.txt",
    `/assets//${abs}/secret.txt`,
    `/assets/${encodeURIComponent("/" + abs + "/secret.txt")}`,
    `/assets/%2f${abs}/secret.txt`,
    "/assets/%c0%ae%c0%ae/secret.txt",
    "/assets/%c0%ae%c0%ae%c0%afsecret.txt",
    "/assets/..%c0%afsecret.txt",
    "/assets/%e0%80%ae%e0%80%ae/secret.txt",
    "/assets/%uff0e%uff0e/secret.txt",
    "/assets/escape-file",
    "/assets/escape-dir/secret.txt",
    "/assets/escape-dir/",
    "/assets/escape-abs",
    "/assets/sub/escape-file",
    `http://test/assets/../secret.txt`,
    `http://test/assets/escape-file`,
    "/assets/./../secret.txt",
    "/assets/...//../secret.txt",
    "/assets;/../secret.txt",
    "/assets/..;/secret.txt",
  ];
}

describe("/assets/ path confinement", () => {
  let s: TestServer;
  let outside: string;
  beforeAll(async () => {
    s = await startTestServer({
      files: { ...bootableFiles(), "secret.txt": SECRET, "assets/inside.txt": INSIDE, "assets/sub/nested.txt": INSIDE },
    });
    // The data directory holds the secret next to (outside) the assets root.
    outside = s.dataDir;
    const assets = path.join(s.dataDir, "assets");
    symlinkSync(path.join(outside, "secret.txt"), path.join(assets, "escape-abs"));
    symlinkSync("../secret.txt", path.join(assets, "escape-file"));
    symlinkSync("..", path.join(assets, "escape-dir"));
    symlinkSync("../../secret.txt", path.join(assets, "sub", "escape-file"));
    mkdirSync(path.join(assets, "more"));
    writeFileSync(path.join(assets, "more", "ok.txt"), INSIDE);
    symlinkSync("../inside.txt", path.join(assets, "more", "link-inside"));
  });
  afterAll(() => s.close());

  /** Follows same-server redirects (at most 3) and returns every answer seen. */
  async function fetchChain(target: string): Promise<{ status: number; head: string; body: string }[]> {
    const seen = [];
    let next: string | undefined = target;
    for (let hop = 0; hop < 4 && next !== undefined; hop++) {
      const res = await rawGet(s.url, next);
      seen.push(res);
      const location = /^location:\s*(.+)$/im.exec(res.head)?.[1]?.trim();
      next = res.status >= 300 && res.status < 400 && location?.startsWith("/") ? location : undefined;
    }
    return seen;
  }

  it("serves a file inside the root, and one reached through a symlink that stays inside", async () => {
    for (const target of ["/assets/inside.txt", "/assets/sub/nested.txt", "/assets/more/link-inside"]) {
      const res = await rawGet(s.url, target);
      expect(res.status, target).toBe(200);
      expect(res.body).toBe(INSIDE);
    }
  });

  it("refuses every attempt to leave the root, and serves none of the secret", async () => {
    const failures: string[] = [];
    for (const target of hostileTargets(outside)) {
      const chain = await fetchChain(target);
      const last = chain[chain.length - 1]!;
      for (const res of chain) {
        if (res.status >= 500 || res.status === 0) failures.push(`${target}: answered ${res.status}`);
        if (res.body.includes(SECRET) || res.head.includes(SECRET)) failures.push(`${target}: served the secret`);
      }
      if (last.status >= 200 && last.status < 300) failures.push(`${target}: ended in ${last.status} ${JSON.stringify(last.body.slice(0, 80))}`);
    }
    expect(failures).toEqual([]);
  });

  it("keeps serving after the battery", async () => {
    const res = await rawGet(s.url, "/assets/inside.txt");
    expect(res.status).toBe(200);
    expect(res.body).toBe(INSIDE);
  });
});
