import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../hardening/support/built-cli.js";
import { removeDir } from "../support/data-dir.js";
import { deferredModules } from "../../scripts/deferred-modules.mjs";

// The bundle's stand-ins for modules a start never uses: each loads its module
// at the first read of one of its exports, and then behaves as the module.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "netboot-deferred-build-"));
});
afterAll(() => removeDir(dir));

/** Bundles `source` (an ES module) as scripts/bundle.mjs does, with the plugin given these lists, and runs it: its standard output. */
async function bundleAndRun(source: string, lists: { builtins?: string[]; packages?: string[] }): Promise<string> {
  const entry = path.join(dir, `entry-${Date.now()}.mjs`);
  const out = path.join(dir, `out-${Date.now()}.mjs`);
  writeFileSync(entry, source);
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: "esm",
    platform: "node",
    nodePaths: [path.join(REPO_ROOT, "node_modules")],
    logLevel: "silent",
    plugins: [deferredModules(REPO_ROOT, lists)],
    banner: { js: 'import { createRequire as createRequireForBundle } from "node:module"; const require = createRequireForBundle(import.meta.url);' },
  });
  return execFileSync(process.execPath, [out], { encoding: "utf8", timeout: 20_000 });
}

describe("deferred modules", () => {
  it("load a built-in module at the first use of one of its exports, not at import, and then work as the module", async () => {
    const output = await bundleAndRun(
      [
        'import { createHash } from "node:crypto";',
        'import zlib from "node:zlib";',
        'const loaded = (name) => process.moduleLoadList.includes(`NativeModule ${name}`);',
        "console.log(loaded('crypto'), loaded('zlib'));",
        "console.log(createHash('sha256').update('netboot').digest('hex'));",
        "console.log(loaded('crypto'), zlib.gunzipSync(zlib.gzipSync('round trip')).toString());",
      ].join("\n"),
      { builtins: ["crypto", "zlib"], packages: [] },
    );
    expect(output.split("\n")).toEqual(["false false", createHash("sha256").update("netboot").digest("hex"), "true round trip", ""]);
  });

  it("stand in for a bundled package, read through as the package (CommonJS require and ES import alike)", async () => {
    const output = await bundleAndRun(
      ['import semver from "semver";', 'import { satisfies } from "semver";', "console.log(semver.gt('5.1.0', '5.0.9'), satisfies('5.2.0', '^5.0.0'), satisfies('4.0.0', '^5.0.0'));"].join("\n"),
      { builtins: [], packages: ["semver"] },
    );
    expect(output).toBe("true true false\n");
  });

  it("refuse, when bundling, a module whose exports are a function: no stand-in can be called", async () => {
    await expect(bundleAndRun('import assert from "node:assert"; assert(true);', { builtins: ["assert"], packages: [] })).rejects.toThrow(
      /node:assert exports a function, not an object: it cannot be deferred/,
    );
  });
});
