/**
 * The built command keeps V8's compiled code of the modules it loads in the
 * package's node_modules/.cache (Node's compile cache), and leaves the choice
 * to NODE_COMPILE_CACHE when that is set.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import module from "node:module";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI, REPO_ROOT } from "../hardening/support/built-cli.js";

const run = promisify(execFile);
const CACHE = path.join(REPO_ROOT, "node_modules", ".cache", "netboot-compile");
const filesUnder = (dir: string): string[] => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name);
const { NODE_COMPILE_CACHE: _ignored, ...ENV } = process.env;

// Node 22.1 and later; on an older Node the command runs without it (these tests run on Node 26 in CI's fresh-machine suite).
const supported = typeof module.enableCompileCache === "function" && typeof module.findPackageJSON === "function";

describe.runIf(supported)("compile cache", () => {
  it("is written under node_modules/.cache by a run of the built command", async () => {
    rmSync(CACHE, { recursive: true, force: true });
    await run(process.execPath, [CLI, "--version"], { env: ENV });
    expect(filesUnder(CACHE).length).toBeGreaterThan(0);
  });

  it("goes where NODE_COMPILE_CACHE says, and nowhere when NODE_DISABLE_COMPILE_CACHE is set", async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), "netboot-compile-"));
    try {
      rmSync(CACHE, { recursive: true, force: true });
      await run(process.execPath, [CLI, "--version"], { env: { ...ENV, NODE_COMPILE_CACHE: elsewhere } });
      expect(filesUnder(elsewhere).length).toBeGreaterThan(0);
      await run(process.execPath, [CLI, "--version"], { env: { ...ENV, NODE_DISABLE_COMPILE_CACHE: "1" } });
      expect(() => readdirSync(CACHE)).toThrow(/ENOENT/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
