import { mkdtemp, mkdir, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readStateDir, stateDirExists, stateFingerprint, writeStateDir } from "../../server/wireguard/state-dir.js";
import { addPeer, stateFiles } from "../../server/wireguard/state.js";
import { serverState, testKey } from "./fixtures.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "netboot-wg-state-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("state directory", () => {
  it("is written with the private key at 0600 in a 0700 directory, and read back", async () => {
    const dir = join(root, "state");
    expect(await stateDirExists(dir)).toBe(false);
    await writeStateDir(dir, serverState());
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "private-key"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "server.json"))).mode & 0o777).toBe(0o644);
    expect(await readStateDir(dir)).toEqual(serverState());
    expect(await stateDirExists(dir)).toBe(true);
  });

  it("reads a mounted Secret's layout and sees its ..data symlink swap", async () => {
    // The layout the kubelet gives a Secret volume: each key a symlink through ..data into a timestamped dir.
    const dir = join(root, "secret");
    await mkdir(dir);
    const writeVersion = async (version: string, state = serverState()) => {
      await mkdir(join(dir, version));
      for (const file of stateFiles(state)) await writeFile(join(dir, version, file.name), file.content);
      await symlink(version, join(dir, "..data_tmp"));
      await rename(join(dir, "..data_tmp"), join(dir, "..data"));
    };
    await writeVersion("..2026_11_26_01");
    for (const file of stateFiles(serverState())) await symlink(join("..data", file.name), join(dir, file.name));
    const before = await stateFingerprint(dir);
    expect(await readStateDir(dir)).toEqual(serverState());

    const grown = addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24"] }).state;
    await writeVersion("..2026_11_26_02", grown);
    expect(await stateFingerprint(dir)).not.toBe(before);
    expect((await readStateDir(dir)).peers.map((p) => p.name)).toEqual(["home"]);
    expect(await readFile(join(dir, "peers.json"), "utf8")).toContain("198.51.100.0/24");
  });
});
