import net from "node:net";
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { defaultMaxConnections, openFilesLimit } from "../../server/http/connections.js";
import { json, makeDataDir, removeDir, writeFiles } from "../support/data-dir.js";
import { eventually } from "../observe/boot-replay.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer, type ChildServer } from "./support/child-server.js";
import { bootableFiles, expectBootScript, GOOD_MAC } from "./support/fixtures.js";
import { HttpSocket } from "./support/http-socket.js";

/** Larger than loopback socket buffers take: a download whose client stops reading stays in progress. */
const BIG_BYTES = 48 * 1024 * 1024;
const OPEN_FILES = 256;
const ATTACKER = "127.0.0.2";
const OTHER_MAC = "52:54:00:aa:bb:02";

/** A TCP connection from `localAddress` that sends nothing; resolves once connected (or refused). */
function idleConnection(url: string, localAddress: string, sockets: net.Socket[]): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress }, () => resolve());
    socket.on("error", () => resolve());
    setTimeout(resolve, 2000).unref();
    sockets.push(socket);
  });
}

/** Starts downloading a big asset and stops reading after the first bytes: the server's response stays in progress. */
function stalledDownload(url: string, localAddress: string, sockets: net.Socket[]): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port), localAddress }, () => socket.write("GET /assets/big.img HTTP/1.1\r\nHost: test\r\n\r\n"));
    socket.once("data", () => {
      socket.pause();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
    socket.on("close", () => resolve(false));
    setTimeout(() => resolve(false), 3000).unref();
    sockets.push(socket);
  });
}

/** One GET with a deadline; the status, or the error's code. */
async function freshGet(url: string, timeoutMs = 5000): Promise<{ status: number | string; body: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return { status: cause?.code ?? (err as Error).name, body: "" };
  }
}

describe("the default connection limit", () => {
  it("leaves each connection two descriptors (socket and asset file) after a reserve, within bounds", () => {
    const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
    expect(openFilesLimit(limits("1024"))).toBe(1024);
    expect(openFilesLimit(limits("unlimited"))).toBe(Number.POSITIVE_INFINITY);
    expect(openFilesLimit("nothing here")).toBeUndefined();
    expect(openFilesLimit()).toBeGreaterThan(0);
    expect([100, 256, 1024, 65536, Number.POSITIVE_INFINITY].map((limit) => defaultMaxConnections(limit))).toEqual([8, 64, 448, 4096, 4096]);
  });
});

describe("connection floods", () => {
  let cli: string;
  let dataDir: string;
  const servers: ChildServer[] = [];
  const sockets: net.Socket[] = [];
  beforeAll(() => {
    cli = ensureBuiltCli();
    dataDir = makeDataDir({ ...bootableFiles(), "assets/big.img": Buffer.alloc(BIG_BYTES, 0x5a), "assets/small.txt": "small\n" });
  }, 240_000);
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const server of servers.splice(0)) server.stop();
  });
  afterAll(() => removeDir(dataDir));

  const start = async (args: string[], wrapper?: string[]) => {
    const server = await spawnServer(cli, ["-data-path", dataDir, "-assets-path", path.join(dataDir, "assets"), ...args], { wrapper });
    servers.push(server);
    return server;
  };

  it(
    `under a ${OPEN_FILES}-descriptor limit, stalled downloads and more idle connections than the limit leave room to answer, read assets and reload`,
    async () => {
      const server = await start([], ["prlimit", `--nofile=${OPEN_FILES}:${OPEN_FILES}`, "--"]);
      // Each stalled download holds a socket and the asset's file.
      for (let i = 0; i < 60; i++) await stalledDownload(server.url, ATTACKER, sockets);
      for (let i = 0; i < OPEN_FILES + 100; i++) await idleConnection(server.url, ATTACKER, sockets);
      // And kept-alive connections left idle after a request.
      for (let i = 0; i < 50; i++) {
        const keptAlive = await HttpSocket.connect(server.url);
        sockets.push(keptAlive.socket);
        keptAlive.write("GET /boot.ipxe HTTP/1.1\r\nHost: test\r\n\r\n");
        expect((await keptAlive.readResponse()).status).toBe(200);
      }

      const descriptors = readdirSync(`/proc/${server.proc.pid}/fd`).length;
      expect(descriptors, `${descriptors} descriptors open`).toBeLessThan(OPEN_FILES - 32);
      const boot = await freshGet(`${server.url}/ipxe?mac=${GOOD_MAC}`);
      expect(boot.status).toBe(200);
      expectBootScript(boot.body);
      expect(await freshGet(`${server.url}/assets/small.txt`)).toEqual({ status: 200, body: "small\n" });

      // The data directory is still read: a new machine is picked up.
      writeFiles(dataDir, { "groups/other.json": json({ id: "other", profile: "worker", selector: { mac: OTHER_MAC } }) });
      try {
        await eventually(async () => ((await freshGet(`${server.url}/ipxe?mac=${OTHER_MAC}`)).status === 200 ? true : undefined), 15_000);
      } finally {
        removeDir(path.join(dataDir, "groups/other.json"));
      }
      const reloads = server.logs.filter((l) => l.msg === "data directory loaded" || l.msg === "data directory reloaded");
      expect(reloads.every((l) => !JSON.stringify(l).includes("EMFILE"))).toBe(true);
      expect(server.proc.exitCode).toBeNull();
    },
    60_000,
  );

  it("when every slot is busy, closes the oldest connection of the client holding the most for a new client, and refuses that client more", async () => {
    const server = await start(["-max-connections", "8"]);
    const started = [];
    for (let i = 0; i < 8; i++) started.push(await stalledDownload(server.url, ATTACKER, sockets));
    expect(started.every(Boolean)).toBe(true);

    const boot = await freshGet(`${server.url}/ipxe?mac=${GOOD_MAC}`);
    expect(boot.status).toBe(200);
    // The hog's oldest download was cut for it. The hog may take the freed slot back, but no more.
    expect(await stalledDownload(server.url, ATTACKER, sockets)).toBe(true);
    expect(await stalledDownload(server.url, ATTACKER, sockets)).toBe(false);
    const metrics = await freshGet(`${server.url}/metrics`);
    expect(metrics.body).toMatch(/^netboot_http_connections_shed_total\{action="closed-busiest"\} [1-9]/m);
    expect(metrics.body).toMatch(/^netboot_http_connections_shed_total\{action="refused"\} [1-9]/m);
    expect(metrics.body).toMatch(/^netboot_http_connections_limit 8$/m);
  });
});
