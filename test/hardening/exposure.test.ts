import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDataDir, removeDir } from "../support/data-dir.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer, type ChildServer } from "./support/child-server.js";
import { bootableFiles, GOOD_MAC } from "./support/fixtures.js";

const run = promisify(execFile);
/** The server's address on the namespace's boot network (a documentation range). */
const BOOT_ADDRESS = "192.0.2.1";
const PATHS = [`/ipxe?mac=${GOOD_MAC}&token=s3cret`, "/healthz", "/machines", `/machines/${GOOD_MAC}`, "/explain", "/metrics"];

/** GETs each path from inside the namespace (the only place that address exists); path → status. */
async function statusesFrom(namespace: string, base: string): Promise<Record<string, number>> {
  const script = `const out = {}; for (const p of ${JSON.stringify(PATHS)}) out[p] = (await fetch(${JSON.stringify(base)} + p, { signal: AbortSignal.timeout(5000) })).status; console.log(JSON.stringify(out));`;
  const { stdout } = await run("ip", ["netns", "exec", namespace, process.execPath, "--input-type=module", "-e", script], { timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, number>;
}

describe("the views on a server bound to a boot network address", () => {
  const namespace = `nbexp${randomBytes(3).toString("hex")}`;
  let cli: string;
  let dataDir: string;
  const servers: ChildServer[] = [];
  beforeAll(async () => {
    cli = ensureBuiltCli();
    dataDir = makeDataDir({ ...bootableFiles(), "assets/vmlinuz": "kernel" });
    await run("ip", ["netns", "add", namespace]);
    await run("ip", ["-n", namespace, "link", "set", "lo", "up"]);
    await run("ip", ["-n", namespace, "address", "add", `${BOOT_ADDRESS}/32`, "dev", "lo"]);
  }, 240_000);
  afterAll(async () => {
    for (const server of servers) server.stop();
    await Promise.all(servers.map((server) => server.exited));
    await run("ip", ["netns", "del", namespace]).catch(() => undefined);
    removeDir(dataDir);
  });

  const start = async (...args: string[]) => {
    const server = await spawnServer(cli, ["-data-path", dataDir, "-assets-path", path.join(dataDir, "assets"), "-address", `${BOOT_ADDRESS}:0`, ...args], {
      wrapper: ["ip", "netns", "exec", namespace],
    });
    servers.push(server);
    return server;
  };

  it("serves only the machine endpoints and probes there by default", async () => {
    const server = await start();
    expect(server.url).toMatch(new RegExp(`^http://${BOOT_ADDRESS.replace(/\./g, "\\.")}:\\d+$`));
    expect(await statusesFrom(namespace, server.url)).toEqual({
      [PATHS[0]!]: 200,
      "/healthz": 200,
      "/machines": 404,
      [`/machines/${GOOD_MAC}`]: 404,
      "/explain": 404,
      "/metrics": 404,
    });
  });

  it("serves the views there too when asked with -debug-address main", async () => {
    const server = await start("-debug-address", "main");
    const statuses = await statusesFrom(namespace, server.url);
    expect(statuses).toEqual({ [PATHS[0]!]: 200, "/healthz": 200, "/machines": 200, [`/machines/${GOOD_MAC}`]: 200, "/explain": 200, "/metrics": 200 });
  });
});
