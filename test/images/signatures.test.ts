import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearsigned, detachedArmored, detachedBinary, makeKey, type TestKey } from "./pgp.js";
import { makeRoot, startImageServer } from "./server.js";
import { blob, sha256, startUpstream } from "./upstream.js";

const KERNEL = blob(300_000, 51);
let key: TestKey;
let other: TestKey;
beforeAll(async () => {
  [key, other] = await Promise.all([makeKey("signer"), makeKey("stranger")]);
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const indent = (text: string, spaces: number) => text.trimEnd().split("\n").map((l) => " ".repeat(spaces) + l).join("\n");

/** Serves KERNEL from an upstream with the given extra files, declared with `extra` YAML (files entry) and `tail` (source keys). */
async function serve(upstreamFiles: Record<string, Buffer>, fileExtra: string, tail: string) {
  const upstream = await startUpstream({ "/os/kernel": KERNEL, ...upstreamFiles });
  cleanups.push(() => upstream.close());
  const declaration = `path: os\nurl: ${upstream.url}/os/\nfiles:\n  - name: kernel\n    sha256: ${sha256(KERNEL)}\n${fileExtra}${tail}`;
  const root = makeRoot({ "sources/os.yaml": declaration });
  cleanups.push(root.remove);
  const server = await startImageServer(root.dataDir);
  cleanups.push(() => server.close());
  expect(server.server.store.current.problems).toEqual([]);
  // A Range request waits for the verified file, so a refusal shows as its status.
  const answer = await server.get("/assets/os/kernel", { headers: { range: "bytes=0-99" } });
  return { answer, stored: existsSync(path.join(root.assetsDir, "os/kernel")), server };
}

const pinned = (k: TestKey, fingerprints?: string[]) =>
  `signatures:\n${fingerprints ? `  fingerprints:\n${fingerprints.map((f) => `    - "${f}"`).join("\n")}\n` : ""}  keys: |\n${indent(k.publicArmored, 4)}\n`;

describe("signatures checked on every fetch against the pinned keys", () => {
  it("a detached signature of the file by the pinned key", async () => {
    const { answer, stored } = await serve({ "/os/kernel.sig": await detachedBinary(key, KERNEL) }, "    signature: kernel.sig\n", pinned(key));
    expect(answer.status).toBe(206);
    expect(stored).toBe(true);
  });

  it("refuses a detached signature by another key, and one by a key the fingerprints leave out", async () => {
    const byOther = await serve({ "/os/kernel.sig": await detachedBinary(other, KERNEL) }, "    signature: kernel.sig\n", pinned(key));
    expect(byOther.answer.status).toBe(502);
    expect(byOther.answer.body).toContain("os/kernel: detached signature: no valid signature by a pinned key");
    expect(byOther.stored).toBe(false);
    expect((await byOther.server.get("/metrics")).body).toContain('netboot_images_verification_failures_total{kind="signature"} 1');

    const both = `${key.publicArmored}\n${other.publicArmored}`;
    const narrowed = await serve({ "/os/kernel.sig": await detachedBinary(other, KERNEL) }, "    signature: kernel.sig\n", pinned({ ...key, publicArmored: both }, [key.fingerprint]));
    expect(narrowed.answer.status).toBe(502);
    expect(narrowed.stored).toBe(false);
  });

  it("a checksum list with a detached signature (SHA256SUMS and SHA256SUMS.gpg) must list the file with its digest", async () => {
    const good = Buffer.from(`${sha256(blob(10, 1))}  ./other\n${sha256(KERNEL)}  ./kernel\n`);
    const ok = await serve({ "/os/SHA256SUMS": good, "/os/SHA256SUMS.gpg": Buffer.from(await detachedArmored(key, good)) }, "", `${pinned(key)}checksums:\n  - name: SHA256SUMS\n    signature: SHA256SUMS.gpg\n`);
    expect(ok.answer.status).toBe(206);

    const lying = Buffer.from(`${sha256(blob(10, 2))}  ./kernel\n`);
    const refused = await serve({ "/os/SHA256SUMS": lying, "/os/SHA256SUMS.gpg": Buffer.from(await detachedArmored(key, lying)) }, "", `${pinned(key)}checksums:\n  - name: SHA256SUMS\n    signature: SHA256SUMS.gpg\n`);
    expect(refused.answer.status).toBe(502);
    expect(refused.answer.body).toContain("disagrees: sha256 listed");
    expect(refused.stored).toBe(false);
  });

  it("a cleartext-signed list (Flatcar's .DIGESTS.asc) signed by another key is refused", async () => {
    const digests = `# SHA256 HASH\n${sha256(KERNEL)}  kernel\n`;
    const ok = await serve({ "/os/kernel.DIGESTS.asc": Buffer.from(await clearsigned(key, digests)) }, "", `${pinned(key)}checksums:\n  - name: kernel.DIGESTS.asc\n`);
    expect(ok.answer.status).toBe(206);
    const forged = await serve({ "/os/kernel.DIGESTS.asc": Buffer.from(await clearsigned(other, digests)) }, "", `${pinned(key)}checksums:\n  - name: kernel.DIGESTS.asc\n`);
    expect(forged.answer.status).toBe(502);
    expect(forged.answer.body).toContain("checksum list");
    expect(forged.stored).toBe(false);
  });
});
