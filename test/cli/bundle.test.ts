import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Agent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli, REPO_ROOT, runCli } from "../hardening/support/built-cli.js";
import { spawnServer, type ChildServer } from "../hardening/support/child-server.js";
import { removeDir } from "../support/data-dir.js";
import { selfSignedCert } from "../support/kube-api.js";

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

  describe("modules deferred until first use (scripts/deferred-modules.mjs)", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), "netboot-deferred-"));
    });
    afterAll(() => removeDir(dir));

    /** Serves with a preload that writes the built-in modules Node loaded when the process exits; answers `ask` before a graceful stop. */
    async function builtinsLoadedWhile(args: string[], ask: (server: ChildServer) => Promise<void>): Promise<string[]> {
      const out = path.join(dir, `modules-${Date.now()}.json`);
      const preload = path.join(dir, "record-modules.cjs");
      writeFileSync(preload, `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`);
      const server = await spawnServer(cli, ["-data-path", REPO_ROOT, "-assets-path", `${REPO_ROOT}/assets`, ...args], { nodeOptions: ["--require", preload] });
      try {
        await ask(server);
      } finally {
        server.proc.kill("SIGTERM");
        await server.exited;
      }
      return (JSON.parse(readFileSync(out, "utf8")) as string[]).filter((entry) => entry.startsWith("NativeModule ")).map((entry) => entry.slice("NativeModule ".length));
    }

    it("starts, serves machines and metrics without loading Node's HTTPS, HTTP/2, TLS or crypto modules", async () => {
      const loaded = await builtinsLoadedWhile([], async (server) => {
        const ipxe = await request(`${server.url}/ipxe?mac=52-54-00-aa-bb-cc`);
        expect(ipxe.statusCode).toBe(200);
        expect(await ipxe.body.text()).toContain("coreos.inst.install_dev=/dev/sda");
        const metrics = await request(`${server.url}/metrics`);
        expect(metrics.statusCode).toBe(200);
        expect(await metrics.body.text()).toContain("process_cpu_user_seconds_total");
      });
      expect(loaded).toContain("http");
      for (const deferred of ["https", "http2", "tls", "crypto"]) expect(loaded, deferred).not.toContain(deferred);
    });

    it("loads them when a start needs them: HTTPS with -web-ssl", async () => {
      const { cert, key } = selfSignedCert(dir);
      writeFileSync(path.join(dir, "web.crt"), cert);
      writeFileSync(path.join(dir, "web.key"), key);
      const flags = ["-web-ssl", "-web-cert-file", path.join(dir, "web.crt"), "-web-key-file", path.join(dir, "web.key")];
      const insecure = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const loaded = await builtinsLoadedWhile(flags, async (server) => {
          expect(server.url.startsWith("https://")).toBe(true);
          const res = await request(`${server.url}/ipxe?mac=52-54-00-aa-bb-cc`, { dispatcher: insecure });
          expect(res.statusCode).toBe(200);
          expect(await res.body.text()).toContain("coreos.inst.install_dev=/dev/sda");
        });
        for (const needed of ["https", "tls"]) expect(loaded, needed).toContain(needed);
      } finally {
        await insecure.close();
      }
    });

    it("bundles a stand-in, not the module, wherever the server's start imports one", () => {
      const text = serveClosure(cli).files.map((file) => readFileSync(file, "utf8")).join("\n");
      for (const specifier of ["node:https", "node:http2", "node:crypto", "semver", "@opentelemetry/api"]) {
        expect(text, specifier).toContain(`// deferred:${specifier}`);
      }
      expect(text).not.toMatch(/^import .* from "node:(https|http2|tls|crypto)";$/m);
    });
  });

  // The gRPC API's .proto files, found from inside the bundle too, are test/rpc/cli.test.ts's.
  it("finds the package's version from inside the bundle", async () => {
    const version = await runCli(cli, ["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(path.dirname(cli), "../../../package.json"), "utf8")).version);
  });
});
