import { existsSync, readFileSync, writeFileSync, unlinkSync, mkdirSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import yaml from "js-yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli } from "../hardening/support/built-cli.js";
import { debian, fedoraCoreOs, flatcar } from "./distributions.js";
import { makeKey, type TestKey } from "./pgp.js";
import { makeRoot } from "./server.js";
import { blob, sha256, startUpstream, type Upstream } from "./upstream.js";

let cli: string;
let key: TestKey;
let otherKey: TestKey;
beforeAll(async () => {
  cli = ensureBuiltCli();
  [key, otherKey] = await Promise.all([makeKey("release"), makeKey("someone-else")]);
}, 240_000);

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function upstreamWith(files: Record<string, Buffer>): Promise<Upstream> {
  const upstream = await startUpstream(files);
  cleanups.push(() => upstream.close());
  return upstream;
}

function root(files: Record<string, string | Buffer> = {}) {
  const r = makeRoot(files);
  cleanups.push(r.remove);
  return r;
}

const netboot = (args: string[]) => execa(process.execPath, [cli, ...args], { reject: false, timeout: 60_000, env: { MATCHBOX_DATA_PATH: "", MATCHBOX_ASSETS_PATH: "" } });

function writeKey(dir: string, k: TestKey): string {
  const file = path.join(dir, `${k.fingerprint}.asc`);
  writeFileSync(file, k.publicArmored);
  return file;
}

describe("netboot assets add, from each distribution's release metadata", () => {
  it("Fedora CoreOS stream metadata: the pxe kernel, initramfs and rootfs with their sha256 and detached signatures", async () => {
    const upstream = await upstreamWith({});
    const fcos = await fedoraCoreOs(upstream.url, key);
    for (const [p, data] of Object.entries(fcos.files)) upstream.files.set(p, data);
    const r = root();
    const added = await netboot(["assets", "add", "-distro", "fedora-coreos", "-metadata-url", `${upstream.url}/streams/stable.json`, "-key", writeKey(r.dataDir, key), "-fingerprint", key.fingerprint, "-data-path", r.dataDir]);
    expect(added.exitCode, added.stderr).toBe(0);
    const file = path.join(r.dataDir, "sources/fedora-coreos-stable-x86_64.yaml");
    const declaration = yaml.load(readFileSync(file, "utf8")) as { path: string; url: string; files: { name: string; sha256: string; size: number; signature: string }[]; signatures: { fingerprints: string[] } };
    expect(declaration.path).toBe("fedora-coreos/42.20250901.3.0");
    expect(declaration.url).toBe(`${upstream.url}/prod/streams/stable/builds/42.20250901.3.0/x86_64/`);
    expect(declaration.files.map((f) => f.name)).toEqual([
      "fedora-coreos-42.20250901.3.0-live-kernel.x86_64",
      "fedora-coreos-42.20250901.3.0-live-initramfs.x86_64.img",
      "fedora-coreos-42.20250901.3.0-live-rootfs.x86_64.img",
    ]);
    for (const f of declaration.files) {
      expect(f.sha256).toBe(sha256(fcos.contents[f.name]!));
      expect(f.size).toBe(fcos.contents[f.name]!.length);
      expect(f.signature).toBe(`${f.name}.sig`);
    }
    expect(declaration.signatures.fingerprints).toEqual([key.fingerprint]);

    const pulled = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(pulled.stdout).toContain("3 fetched, 0 already present, 0 failed, of 3 declared files");
    for (const f of declaration.files) expect(readFileSync(path.join(r.assetsDir, declaration.path, f.name)).equals(fcos.contents[f.name]!)).toBe(true);
  });

  it("a file whose detached signature is by another key is refused and not stored", async () => {
    const upstream = await upstreamWith({});
    const fcos = await fedoraCoreOs(upstream.url, otherKey);
    for (const [p, data] of Object.entries(fcos.files)) upstream.files.set(p, data);
    const r = root();
    const added = await netboot(["assets", "add", "-distro", "fedora-coreos", "-metadata-url", `${upstream.url}/streams/stable.json`, "-key", writeKey(r.dataDir, key), "-data-path", r.dataDir]);
    expect(added.exitCode, added.stderr).toBe(0);
    const pulled = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(pulled.exitCode).toBe(1);
    expect(pulled.stderr).toMatch(/failed {3}fedora-coreos\/42\.20250901\.3\.0\/fedora-coreos-42\.20250901\.3\.0-live-kernel\.x86_64: .*no valid signature by a pinned key/);
    expect(existsSync(path.join(r.assetsDir, "fedora-coreos/42.20250901.3.0/fedora-coreos-42.20250901.3.0-live-kernel.x86_64"))).toBe(false);
  });

  it("Flatcar version.txt and cleartext-signed DIGESTS: sha512 digests, .sig and the signed lists checked on fetch", async () => {
    const release = await flatcar(key);
    const upstream = await upstreamWith(release.files);
    const r = root();
    const added = await netboot(["assets", "add", "-distro", "flatcar", "-metadata-url", `${upstream.url}/amd64-usr/`, "-key", writeKey(r.dataDir, key), "-output", "-"]);
    expect(added.exitCode, added.stderr).toBe(0);
    const declaration = yaml.load(added.stdout) as { path: string; url: string; files: { name: string; sha512: string; signature: string }[]; checksums: { name: string }[] };
    expect(declaration.path).toBe("flatcar/4230.2.3");
    expect(declaration.url).toBe(`${upstream.url}/amd64-usr/4230.2.3/`);
    expect(declaration.files.map((f) => f.name)).toEqual(["flatcar_production_pxe.vmlinuz", "flatcar_production_pxe_image.cpio.gz"]);
    expect(declaration.checksums).toEqual([{ name: "flatcar_production_pxe.vmlinuz.DIGESTS.asc" }, { name: "flatcar_production_pxe_image.cpio.gz.DIGESTS.asc" }]);
    mkdirSync(path.join(r.dataDir, "sources"));
    writeFileSync(path.join(r.dataDir, "sources/flatcar.yaml"), added.stdout);
    const pulled = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(readFileSync(path.join(r.assetsDir, "flatcar/4230.2.3/flatcar_production_pxe.vmlinuz")).equals(release.contents["flatcar_production_pxe.vmlinuz"]!)).toBe(true);

    // A DIGESTS list re-signed by someone else is refused at add time.
    const forged = await flatcar(otherKey);
    upstream.files.set("/amd64-usr/4230.2.3/flatcar_production_pxe.vmlinuz.DIGESTS.asc", forged.files["/amd64-usr/4230.2.3/flatcar_production_pxe.vmlinuz.DIGESTS.asc"]!);
    const refused = await netboot(["assets", "add", "-distro", "flatcar", "-metadata-url", `${upstream.url}/amd64-usr/`, "-key", writeKey(r.dataDir, key), "-output", "-"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain("no valid signature by a pinned key");
  });

  it("Debian: Release verified by its detached signature, SHA256SUMS by Release, the netboot kernel and initrd by SHA256SUMS", async () => {
    const release = await debian(key);
    const upstream = await upstreamWith(release.files);
    const r = root();
    const added = await netboot(["assets", "add", "-distro", "debian", "-metadata-url", `${upstream.url}/debian/`, "-key", writeKey(r.dataDir, key), "-data-path", r.dataDir, "-name", "debian.yaml"]);
    expect(added.exitCode, added.stderr).toBe(0);
    const declaration = yaml.load(readFileSync(path.join(r.dataDir, "sources/debian.yaml"), "utf8")) as { path: string; url: string; files: { name: string; sha256: string }[] };
    expect(declaration.path).toBe("debian/stable/20230607+deb12u11/amd64");
    expect(declaration.url).toBe(`${upstream.url}/debian/dists/stable/main/installer-amd64/20230607+deb12u11/images/netboot/debian-installer/amd64/`);
    expect(declaration.files).toEqual([
      { name: "linux", sha256: sha256(release.contents.linux!), size: release.contents.linux!.length },
      { name: "initrd.gz", sha256: sha256(release.contents["initrd.gz"]!), size: release.contents["initrd.gz"]!.length },
    ]);
    const pulled = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(pulled.exitCode, pulled.stderr).toBe(0);

    // Release signed by another key: nothing is written.
    upstream.files.set("/debian/dists/stable/Release.gpg", (await debian(otherKey)).files["/debian/dists/stable/Release.gpg"]!);
    const refused = await netboot(["assets", "add", "-distro", "debian", "-metadata-url", `${upstream.url}/debian/`, "-key", writeKey(r.dataDir, key), "-data-path", r.dataDir, "-name", "debian2.yaml"]);
    expect(refused.exitCode).toBe(1);
    expect(existsSync(path.join(r.dataDir, "sources/debian2.yaml"))).toBe(false);
  });
});

describe("netboot assets pull, status and gc", () => {
  const GOOD = blob(100_000, 41);
  const BAD = blob(100_000, 42);
  const declaration = (upstream: Upstream, entries: [string, Buffer][]) =>
    `path: os/2\nurl: ${upstream.url}/os/\nfiles:\n` + entries.map(([name, data]) => `  - name: ${name}\n    sha256: ${sha256(data)}\n`).join("");

  it("exits 1 naming every file that failed, stores the others, and 0 once all are present", async () => {
    const upstream = await upstreamWith({ "/os/good": GOOD, "/os/bad": BAD });
    const r = root();
    mkdirSync(path.join(r.dataDir, "sources"));
    writeFileSync(path.join(r.dataDir, "sources/os.yaml"), declaration(upstream, [["good", GOOD], ["bad", GOOD], ["gone", GOOD]]));
    const first = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toMatch(/^failed {3}os\/2\/bad: os\/2\/bad: sha256 mismatch/m);
    expect(first.stderr).toMatch(/^failed {3}os\/2\/gone: upstream http:\/\/127\.0\.0\.1:\d+\/os\/gone answered 404$/m);
    expect(first.stdout).toContain("1 fetched, 0 already present, 2 failed, of 3 declared files");
    expect(readFileSync(path.join(r.assetsDir, "os/2/good")).equals(GOOD)).toBe(true);

    const status = await netboot(["assets", "status", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(status.stdout).toBe("cached   os/2/good\nmissing  os/2/bad\nmissing  os/2/gone\n1 cached, 2 missing, 0 corrupt");
    expect(status.exitCode).toBe(0);

    writeFileSync(path.join(r.dataDir, "sources/os.yaml"), declaration(upstream, [["good", GOOD], ["bad", BAD]]));
    const second = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stdout).toContain("1 fetched, 1 already present, 0 failed, of 2 declared files");
    expect(upstream.count("/os/good")).toBe(1);
  });

  it("status tells a corrupt file, and pull replaces it", async () => {
    const upstream = await upstreamWith({ "/os/good": GOOD });
    const r = root({ "assets/os/2/good": BAD });
    mkdirSync(path.join(r.dataDir, "sources"));
    writeFileSync(path.join(r.dataDir, "sources/os.yaml"), declaration(upstream, [["good", GOOD]]));
    const status = await netboot(["assets", "status", "-data-path", r.dataDir, "-assets-path", r.assetsDir, "--json"]);
    expect(status.exitCode).toBe(1);
    expect(JSON.parse(status.stdout)).toMatchObject([{ path: "os/2/good", state: "corrupt", reason: `sha256 ${sha256(BAD)}, declared ${sha256(GOOD)}` }]);
    const pulled = await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(pulled.exitCode, pulled.stderr).toBe(0);
    expect(readFileSync(path.join(r.assetsDir, "os/2/good")).equals(GOOD)).toBe(true);
  });

  it("gc removes what the cache stored and no declaration names, never a file put there by hand", async () => {
    const upstream = await upstreamWith({ "/os/good": GOOD, "/os/other": BAD });
    const r = root({ "assets/ipxe.efi": "efi", "assets/os/2/by-hand": "mine" });
    mkdirSync(path.join(r.dataDir, "sources"));
    writeFileSync(path.join(r.dataDir, "sources/os.yaml"), declaration(upstream, [["good", GOOD], ["other", BAD]]));
    expect((await netboot(["assets", "pull", "-data-path", r.dataDir, "-assets-path", r.assetsDir])).exitCode).toBe(0);
    writeFileSync(path.join(r.dataDir, "sources/os.yaml"), declaration(upstream, [["good", GOOD]]));
    const dry = await netboot(["assets", "gc", "-data-path", r.dataDir, "-assets-path", r.assetsDir, "--dry-run"]);
    expect(dry.stdout).toContain("would remove  os/2/other");
    expect(existsSync(path.join(r.assetsDir, "os/2/other"))).toBe(true);
    const gc = await netboot(["assets", "gc", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(gc.exitCode, gc.stderr).toBe(0);
    expect(gc.stdout).toContain("removed  os/2/other");
    expect(existsSync(path.join(r.assetsDir, "os/2/other"))).toBe(false);
    for (const kept of ["os/2/good", "os/2/by-hand", "ipxe.efi"]) expect(existsSync(path.join(r.assetsDir, kept))).toBe(true);
    unlinkSync(path.join(r.dataDir, "sources/os.yaml"));
    const all = await netboot(["assets", "gc", "-data-path", r.dataDir, "-assets-path", r.assetsDir]);
    expect(all.stdout).toContain("removed  os/2/good");
    expect(existsSync(path.join(r.assetsDir, "os/2/by-hand"))).toBe(true);
  });
});
