/**
 * The built command keeps V8's compiled code of the modules it loads in the
 * package's node_modules/.cache (Node's compile cache, Node 22.1 and later;
 * CI's fresh-machine suite runs this on Node 26), and leaves the choice to
 * NODE_COMPILE_CACHE when that is set. On an older Node it runs without one.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import module from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../hardening/support/built-cli.js";

const run = promisify(execFile);
const CACHE = path.join(REPO_ROOT, "node_modules", ".cache", "netboot-compile");
const filesUnder = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
  } catch {
    return [];
  }
};
const { NODE_COMPILE_CACHE: _ignored, ...ENV } = process.env;
const supported = typeof module.enableCompileCache === "function" && typeof module.findPackageJSON === "function";

async function version(env: NodeJS.ProcessEnv): Promise<string> {
  return (await run(process.execPath, [CLI, "--version"], { env })).stdout;
}

describe(`compile cache (${supported ? "this Node has one" : "this Node has none"})`, () => {
  it("is written under node_modules/.cache by a run of the built command, where Node has one", async () => {
    rmSync(CACHE, { recursive: true, force: true });
    expect(await version(ENV)).toMatch(/\d+\.\d+\.\d+/);
    if (supported) expect(filesUnder(CACHE).length).toBeGreaterThan(0);
    else expect(filesUnder(CACHE)).toEqual([]);
  });

  it("goes where NODE_COMPILE_CACHE says, and nowhere when NODE_DISABLE_COMPILE_CACHE is set", async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), "netboot-compile-"));
    try {
      rmSync(CACHE, { recursive: true, force: true });
      await version({ ...ENV, NODE_COMPILE_CACHE: elsewhere });
      if (supported) expect(filesUnder(elsewhere).length).toBeGreaterThan(0);
      expect(filesUnder(CACHE)).toEqual([]);
      await version({ ...ENV, NODE_DISABLE_COMPILE_CACHE: "1" });
      expect(filesUnder(CACHE)).toEqual([]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
