import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli, runCli } from "../hardening/support/built-cli.js";

// The `netboot` command is one bundle (scripts/bundle.mjs): starting the server
// resolves no package, and what it needs only on demand stays out of what it loads.

const IMPORT = /^\s*(?:import|export)\b[^"';]*?from\s*"([^"]+)"|^\s*import\s*"([^"]+)"/gm;

/** What `netboot serve` loads before it runs: `main.js`, the serve command's chunk, and their static imports, transitively. */
function serveClosure(entry: string): { files: string[]; external: string[] } {
  const serveChunk = /import\("(\.\/chunks\/serve-[A-Za-z0-9]+\.js)"\)/.exec(readFileSync(entry, "utf8"))?.[1];
  if (serveChunk === undefined) throw new Error(`${entry} does not load the serve command from a chunk: is it the bundle (npm run build)?`);
  const files: string[] = [];
  const external = new Set<string>();
  const pending = [entry, path.resolve(path.dirname(entry), serveChunk)];
  while (pending.length > 0 && files.length < 500) {
    const file = pending.pop()!;
    if (files.includes(file)) continue;
    files.push(file);
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith("./") || specifier.startsWith("../")) pending.push(path.resolve(path.dirname(file), specifier));
      else external.add(specifier);
    }
  }
  return { files, external: [...external] };
}

describe("the bundled command", () => {
  let cli: string;
  beforeAll(() => {
    cli = ensureBuiltCli();
  }, 300_000);

  it("loads nothing but its own files and Node's modules to start the server", () => {
    const { files, external } = serveClosure(cli);
    expect(files.length).toBeGreaterThan(1);
    expect(external.filter((specifier) => !specifier.startsWith("node:"))).toEqual([]);
  });

  it("leaves the HTTP client, OpenPGP, gRPC and execa to chunks loaded on demand", () => {
    const text = serveClosure(cli).files.map((file) => readFileSync(file, "utf8")).join("\n");
    for (const lazy of ["node_modules/undici/", "node_modules/openpgp/", "node_modules/@grpc/", "node_modules/execa/"]) {
      expect(text.includes(lazy), lazy).toBe(false);
    }
    expect(text.includes("node_modules/fastify/")).toBe(true);
  });

  it("keeps the name of every class netboot declares (logged errors carry it)", () => {
    const bundled = [cli, ...readdirSync(path.join(path.dirname(cli), "chunks")).map((name) => path.join(path.dirname(cli), "chunks", name))]
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const sources = path.join(path.dirname(cli), "../../../server");
    const declared = new Set<string>();
    for (const entry of readdirSync(sources, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
      for (const match of readFileSync(path.join(entry.parentPath, entry.name), "utf8").matchAll(/^(?:export )?class (\w+)/gm)) declared.add(match[1]!);
    }
    let found = 0;
    for (const name of declared) {
      // Bundled as `class Name {` or `var Name = class {`; a renamed one carries a number.
      const suffixes = [...bundled.matchAll(new RegExp(`\\bclass ${name}(\\d*)\\b|\\b${name}(\\d*) = class\\b`, "g"))].map((match) => match[1] ?? match[2]);
      if (suffixes.length > 0) found++;
      expect(suffixes.filter((suffix) => suffix !== ""), name).toEqual([]);
    }
    expect(found).toBeGreaterThan(10);
  });

  // The gRPC API's .proto files, found from inside the bundle too, are test/rpc/cli.test.ts's.
  it("finds the package's version from inside the bundle", async () => {
    const version = await runCli(cli, ["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(path.dirname(cli), "../../../package.json"), "utf8")).version);
  });
});
