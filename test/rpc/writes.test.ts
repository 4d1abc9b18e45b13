import { spawn } from "node:child_process";
import { chmodSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli } from "../hardening/support/built-cli.js";
import { spawnServer } from "../hardening/support/child-server.js";
import { makeDataDir, removeDir } from "../support/data-dir.js";
import { RpcClient } from "../../server/rpc/client.js";
import { makePki, startRpcTestServer, type Pki, type RpcTestServer } from "./support.js";

/**
 * Reads `file` over and over in a process of its own until `stopFile` exists
 * (at most `maxMs`), and reports every read whose bytes are neither version.
 */
const READER = `
const fs = require("node:fs");
const [file, stopFile, a, b, maxMs] = process.argv.slice(1);
const sizes = new Set([Number(a), Number(b)]);
let reads = 0, torn = 0, missing = 0;
const until = Date.now() + Number(maxMs);
while (!fs.existsSync(stopFile) && Date.now() < until) {
  let bytes;
  try { bytes = fs.readFileSync(file); } catch { missing++; continue; }
  reads++;
  const first = bytes[0], uniform = bytes.every((x) => x === first);
  if (!sizes.has(bytes.length) || !uniform) torn++;
}
process.stdout.write(JSON.stringify({ reads, torn, missing }));
`;

describe("gRPC API writes", () => {
  let pki: Pki;
  let s: RpcTestServer;
  beforeAll(async () => {
    pki = await makePki();
    s = await startRpcTestServer(pki);
  });
  afterAll(async () => {
    await s.close();
    removeDir(pki.dir);
  });

  it("replace a file atomically: a reader never sees half of one", async () => {
    const c = s.client();
    const versions = [Buffer.alloc(1_000_000, "a"), Buffer.alloc(600_000, "b")];
    await c.call("Generic", "GenericPut", { name: "big", config: versions[0] });
    const stopFile = path.join(s.dataDir, "stop");
    const reader = spawn(process.execPath, ["-e", READER, path.join(s.dataDir, "generic/big"), stopFile, String(versions[0]!.length), String(versions[1]!.length), "20000"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    reader.stdout.on("data", (chunk) => (output += chunk));
    const done = new Promise<void>((resolve) => reader.on("exit", () => resolve()));
    for (let i = 1; i <= 30; i++) await c.call("Generic", "GenericPut", { name: "big", config: versions[i % 2] });
    writeFileSync(stopFile, "");
    await done;
    const result = JSON.parse(output) as { reads: number; torn: number; missing: number };
    expect(result.reads).toBeGreaterThan(10);
    expect(result).toMatchObject({ torn: 0, missing: 0 });
    expect(readdirSync(path.join(s.dataDir, "generic")).sort()).toEqual(["big"]);
  });
});

describe("gRPC API over a read-only data directory (a ConfigMap mount)", () => {
  let cli: string;
  beforeAll(() => {
    cli = ensureBuiltCli();
  }, 240_000);

  it("answers writes with an error naming the cause, and keeps serving reads", async () => {
    const pki = await makePki();
    const dataDir = makeDataDir({ "groups/a.json": JSON.stringify({ id: "a", profile: "p" }) });
    const flags = ["-data-path", dataDir, "-assets-path=", "-rpc-address", "127.0.0.1:0", "-cert-file", pki.certFile, "-key-file", pki.keyFile, "-ca-file", pki.caFile];
    // As root, permissions do not stop a write: make the folder a read-only
    // mount in a mount namespace of the server's own, as a ConfigMap volume is.
    // Otherwise a folder without write permission does.
    const asRoot = process.getuid?.() === 0;
    const wrapper = asRoot ? ["unshare", "--mount", "--propagation", "private", "sh", "-c", 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"', dataDir] : [];
    if (!asRoot) for (const folder of ["", "groups"]) chmodSync(path.join(dataDir, folder), 0o555);
    const server = await spawnServer(cli, flags, { wrapper });
    try {
      const listening = await server.waitForLog((l) => typeof l.address === "string" && String(l.msg).startsWith("gRPC API listening"));
      const client = new RpcClient(String(listening.address).replace("127.0.0.1", "localhost"), pki.client, 10_000);
      const err = (await client.call("Groups", "GroupPut", { group: { id: "b", profile: "p" } }).catch((e: ServiceError) => e)) as ServiceError;
      expect(err.code).toBe(status.UNKNOWN);
      expect(err.details).toBe(`cannot write groups/b.json: data directory is read-only (${asRoot ? "EROFS" : "EACCES"})`);
      const { groups } = await client.call<{ groups: { id: string }[] }>("Groups", "GroupList", {});
      expect(groups.map((g) => g.id)).toEqual(["a"]);
      client.close();
    } finally {
      server.stop();
      if (!asRoot) for (const folder of ["", "groups"]) chmodSync(path.join(dataDir, folder), 0o755);
      removeDir(dataDir);
      removeDir(pki.dir);
    }
  });
});
