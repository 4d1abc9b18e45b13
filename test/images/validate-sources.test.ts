import { afterEach, describe, expect, it } from "vitest";
import { validateCommand } from "../../server/cli/validate.js";
import { runCommand } from "../validate/run-command.js";
import { makeRoot } from "./server.js";

const DIGEST = "ab".repeat(32);
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function root(files: Record<string, string>) {
  const r = makeRoot(files);
  cleanups.push(r.remove);
  return r;
}

const source = (pathLine: string, name: string, url = "https://images.example.invalid/os/") => `path: ${pathLine}\nurl: ${url}\nfiles:\n  - name: ${JSON.stringify(name)}\n    sha256: ${DIGEST}\n`;

describe("source declarations in netboot validate", () => {
  it.each([
    ["a path that leaves the assets folder", source("../etc", "passwd"), "/path", "path has a '..' segment, which would leave its folder"],
    ["an absolute path", source("/etc", "passwd"), "/path", "path is an absolute path (give it relative to the assets folder)"],
    ["a name that climbs out of its folder", source("os", "../../escape"), "/files/0/name", "name has a '..' segment, which would leave its folder"],
    ["a name with a backslash", source("os", "..\\\\escape"), "/files/0/name", "name contains a backslash"],
    ["a name with a NUL byte", source("os", "kernel\u0000"), "/files/0/name", "name contains a NUL byte"],
    ["a hidden name (the cache's own folder is hidden)", source(".netboot-images", "x"), "/path", `path has a segment starting with '.' (".netboot-images")`],
    ["an upstream that is neither http nor https", source("os", "kernel", "ftp://images.example.invalid/os/"), "/url", "url must be http or https, not ftp://images.example.invalid"],
    ["a file without a digest", "path: os\nurl: https://x.invalid/\nfiles:\n  - name: kernel\n", "/files/0/sha256", "needs a sha256 (or sha512) digest"],
    ["a digest that is not 64 hex digits", "path: os\nurl: https://x.invalid/\nfiles:\n  - name: kernel\n    sha256: abc\n", "/files/0/sha256", 'must match pattern "^[0-9a-fA-F]{64}$"'],
    ["a key a declaration does not have", `${source("os", "kernel")}mirror: x\n`, "/mirror", "is not a key of a source declaration"],
  ])("reports %s with its pointer", async (_what, text, pointer, reason) => {
    const r = root({ "sources/bad.yaml": text });
    const { code, stdout } = await runCommand(validateCommand, ["-data-path", r.dataDir]);
    expect(stdout).toContain(`sources/bad.yaml:${pointer}: error: ${reason}\n`);
    expect(code).toBe(1);
  });

  it.each(["https://images.example.invalid/os/", "http://mirror.example.invalid/debian/"])("accepts an upstream at %s (the digest, not the transport, vouches for the bytes)", async (url) => {
    const r = root({ "sources/ok.yaml": source("os", "kernel", url) });
    const { code, stdout } = await runCommand(validateCommand, ["-data-path", r.dataDir]);
    expect(stdout).not.toContain("sources/ok.yaml");
    expect(code).toBe(0);
  });

  it("reports a profile's asset that is neither on disk nor declared, and accepts declared ones and local URLs to them", async () => {
    const profile = {
      id: "os",
      boot: {
        kernel: "/assets/os/1/kernel",
        initrd: ["--name main /assets/os/1/initrd.img"],
        args: ["initrd=main", "root.url=http://boot.lab:8080/assets/os/1/rootfs.img", "other=http://elsewhere.lab/assets/unrelated.img"],
      },
    };
    const declared = `path: os/1\nurl: https://images.example.invalid/os/1/\nfiles:\n  - name: kernel\n    sha256: ${DIGEST}\n  - name: initrd.img\n    sha256: ${DIGEST}\n`;
    const r = root({ "profiles/os.json": JSON.stringify(profile), "groups/all.json": '{"id":"all","profile":"os"}', "sources/os.yaml": declared });
    // Without an assets folder: the rootfs URL names the declared folder, so its missing declaration is an error; the other server's URL is not checked.
    const bare = await runCommand(validateCommand, ["-data-path", r.dataDir]);
    expect(bare.stdout).toContain("profiles/os.json:/boot/args/1: error: asset /assets/os/1/rootfs.img is in the folder of sources/os.yaml, which does not declare it\n");
    expect(bare.stdout).toMatch(/^1 error, 0 warnings/m);
    // With one: a local path neither there nor declared is an error too.
    profile.boot.kernel = "/assets/other/kernel";
    const withAssets = root({ "profiles/os.json": JSON.stringify(profile), "groups/all.json": '{"id":"all","profile":"os"}', "sources/os.yaml": declared, "assets/os/1/rootfs.img": "" });
    const full = await runCommand(validateCommand, ["-data-path", withAssets.dataDir, "-assets-path", withAssets.assetsDir]);
    expect(full.stdout).toContain("profiles/os.json:/boot/kernel: error: asset /assets/other/kernel is neither a file in the assets directory nor declared in sources/\n");
    expect(full.stdout).toMatch(/^1 error, 0 warnings/m);
  });

  it("takes the data directory as its argument, and the repository's example data (with its declared Fedora CoreOS release) is clean", async () => {
    const repo = new URL("../..", import.meta.url).pathname;
    const { code, stdout } = await runCommand(validateCommand, [repo]);
    expect(stdout).toMatch(/^0 errors, 0 warnings in \d+ groups/);
    expect(code).toBe(0);
  });

  it("warns about a file two sources declare with different digests", async () => {
    const a = `path: os\nurl: https://a.invalid/\nfiles:\n  - name: kernel\n    sha256: ${DIGEST}\n`;
    const b = `path: os\nurl: https://b.invalid/\nfiles:\n  - name: kernel\n    sha256: ${"cd".repeat(32)}\n`;
    const r = root({ "sources/a.yaml": a, "sources/b.yaml": b });
    const { stdout } = await runCommand(validateCommand, ["-data-path", r.dataDir]);
    expect(stdout).toContain("sources/b.yaml:/files/0: warning: os/kernel is also declared by sources/a.yaml with another digest, which wins\n");
  });
});
