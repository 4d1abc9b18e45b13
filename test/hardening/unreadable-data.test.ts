import { execFileSync, spawn } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../observe/boot-replay.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer, type ChildServer } from "./support/child-server.js";
import { bootableFiles, GOOD_MAC } from "./support/fixtures.js";
import { HttpSocket, sleep } from "./support/http-socket.js";

/**
 * Real read faults while `netboot serve` runs: descriptors exhausted by idle
 * kept-alive connections (a lowered RLIMIT_NOFILE), and folders without
 * permission. Root ignores permission bits, so the server then runs without
 * capabilities when the tests run as root.
 */

const OTHER_MAC = "52:54:00:00:00:99";

interface Readyz {
  ready: boolean;
  status: string;
  groups: number;
  problems: { file: string; message: string; severity: string; servingLastGood: boolean; unreadable?: boolean }[];
}

function dataFiles(): Record<string, string> {
  const files = bootableFiles();
  const worker = JSON.parse(files["profiles/worker.json"]!) as Record<string, unknown>;
  return {
    ...files,
    "profiles/worker.json": json({ ...worker, ignition_id: "worker.ign" }),
    "ignition/worker.ign": json({ ignition: { version: "3.4.0" }, storage: { files: [{ path: "/etc/hostname", contents: { source: "data:,worker" } }] } }),
    "groups/default.json": json({ id: "default", profile: "installer" }),
    "profiles/installer.json": json({ id: "installer", boot: { kernel: "/assets/installer-vmlinuz", args: ["wipe-disk"] } }),
    "assets/README": "kernels go here\n",
  };
}

/** A data directory any user can read, as a volume mounted for an unprivileged server is. */
function readableDataDir(): string {
  const dir = makeDataDir(dataFiles());
  const open = (p: string) => {
    chmodSync(p, 0o755);
    for (const entry of readdirSync(p, { withFileTypes: true })) {
      const child = path.join(p, entry.name);
      if (entry.isDirectory()) open(child);
      else chmodSync(child, 0o644);
    }
  };
  open(dir);
  return dir;
}

/**
 * Root is not stopped by permission bits: run the server as root without
 * capabilities then (no CAP_DAC_OVERRIDE, no CAP_DAC_READ_SEARCH), so the
 * owner bits of root's own folders apply, while the checkout, wherever it is,
 * stays readable to it as its owner.
 */
const unprivileged = process.getuid?.() === 0 ? ["setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all"] : [];

async function get(socket: HttpSocket, target: string) {
  socket.write(`GET ${target} HTTP/1.1\r\nHost: test\r\n\r\n`);
  const response = await socket.readResponse();
  return { status: response.status, body: response.body.toString("utf8") };
}

async function readyz(socket: HttpSocket): Promise<Readyz> {
  const response = await get(socket, "/readyz");
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as Readyz;
}

async function expectLastGoodServed(socket: HttpSocket): Promise<void> {
  const machine = await get(socket, `/ipxe?mac=${GOOD_MAC}`);
  expect(machine.status).toBe(200);
  expect(machine.body).toContain("kernel /assets/vmlinuz");
  const other = await get(socket, `/ipxe?mac=${OTHER_MAC}`);
  expect(other.status).toBe(200);
  expect(other.body).toContain("kernel /assets/installer-vmlinuz");
}

function openDescriptors(pid: number): Set<number> {
  return new Set(readdirSync(`/proc/${pid}/fd`).map(Number));
}

function softNoFile(pid: number): number {
  return Number(execFileSync("prlimit", ["--pid", String(pid), "--nofile", "--output=SOFT", "--noheadings", "--raw"], { encoding: "utf8" }).trim());
}

describe("a reload that cannot read the data directory", () => {
  let cli: string;
  const servers: ChildServer[] = [];
  const sockets: HttpSocket[] = [];
  const dirs: string[] = [];
  beforeAll(() => {
    cli = ensureBuiltCli();
  }, 240_000);
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const server of servers.splice(0)) server.stop();
  });
  afterAll(() => {
    for (const dir of dirs) {
      chmodSync(dir, 0o755);
      for (const folder of ["groups", "profiles", "ignition"]) chmodSync(path.join(dir, folder), 0o755);
      removeDir(dir);
    }
  });

  const start = async (dir: string, wrapper = unprivileged) => {
    const server = await spawnServer(cli, ["-data-path", dir, "-assets-path", path.join(dir, "assets")], { wrapper });
    servers.push(server);
    return server;
  };
  const connect = async (server: ChildServer) => {
    const socket = await HttpSocket.connect(server.url);
    sockets.push(socket);
    return socket;
  };

  it("keeps serving the last good configuration when descriptors run out, reports it, and recovers without a file event", async () => {
    const dir = readableDataDir();
    dirs.push(dir);
    // As the test's own user: changing another user's limits needs CAP_SYS_RESOURCE.
    const server = await start(dir, []);
    const pid = server.proc.pid!;
    const probe = await connect(server);
    await expectLastGoodServed(probe);

    // Exhaust the descriptors with idle kept-alive connections: the soft limit
    // leaves room for exactly as many connections as are then opened.
    const originalLimit = softNoFile(pid);
    const used = openDescriptors(pid);
    let limit = 0;
    while (used.has(limit)) limit++;
    limit += 40;
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${limit}:`]);
    let free = 0;
    for (let fd = 0; fd < limit; fd++) if (!used.has(fd)) free++;
    const idle: HttpSocket[] = [];
    for (let i = 0; i < free; i++) {
      const socket = await connect(server);
      expect((await get(socket, "/healthz")).status).toBe(200);
      idle.push(socket);
    }
    expect(openDescriptors(pid).size).toBe(used.size + free);

    process.kill(pid, "SIGHUP");
    await server.waitForLog((l) => l.level === 50 && JSON.stringify(l).includes("EMFILE"), 10_000);
    await expectLastGoodServed(probe);
    const degraded = await readyz(probe);
    expect(degraded).toMatchObject({ ready: true, status: "degraded", groups: 2 });
    expect(degraded.problems).toContainEqual(expect.objectContaining({ file: "groups", severity: "error", unreadable: true, servingLastGood: true }));
    expect(degraded.problems.find((p) => p.file === "groups")!.message).toContain("EMFILE");
    const metrics = await get(probe, "/metrics");
    expect(metrics.body).toMatch(/^netboot_config_problems [1-9]/m);

    // Descriptors come back (no file changes): a retry, well before the 10 s poll, clears the problem.
    const freedAt = Date.now();
    for (const socket of idle.splice(0, 10)) socket.close();
    const recovered = await eventually(async () => {
      const state = await readyz(probe);
      return state.problems.length === 0 ? state : undefined;
    }, 6_000);
    expect(recovered).toMatchObject({ ready: true, status: "ok", groups: 2 });
    expect(Date.now() - freedAt).toBeLessThan(6_000);
    // The log reaches the test through another pipe than the answers: wait for it rather than race it.
    await server.waitForLog((l) => l.reason === "retry", 5_000);
    await expectLastGoodServed(probe);
    execFileSync("prlimit", ["--pid", String(pid), `--nofile=${originalLimit}:`]);
  }, 60_000);

  it("keeps the last good version of a folder it may not read (groups/, ignition/), and picks up the change once it can", async () => {
    const dir = readableDataDir();
    dirs.push(dir);
    const server = await start(dir);
    const probe = await connect(server);
    await expectLastGoodServed(probe);
    const ignitionBefore = await get(probe, `/ignition?mac=${GOOD_MAC}`);
    expect(ignitionBefore.status).toBe(200);

    chmodSync(path.join(dir, "groups"), 0o000);
    chmodSync(path.join(dir, "ignition"), 0o000);
    process.kill(server.proc.pid!, "SIGHUP");
    await server.waitForLog((l) => l.level === 50 && l.file === "ignition", 10_000);
    await server.waitForLog((l) => l.level === 50 && l.file === "groups", 10_000);
    await expectLastGoodServed(probe);
    expect(await get(probe, `/ignition?mac=${GOOD_MAC}`)).toEqual(ignitionBefore);
    const degraded = await readyz(probe);
    expect(degraded).toMatchObject({ ready: true, status: "degraded", groups: 2 });
    for (const folder of ["groups", "ignition"]) {
      const problem = degraded.problems.find((p) => p.file === folder);
      expect(problem).toMatchObject({ severity: "error", unreadable: true, servingLastGood: true });
      expect(problem!.message).toContain("EACCES");
    }

    // A change made while the folder cannot be read is served once it can be.
    writeFileSync(path.join(dir, "groups/worker.json"), json({ id: "worker", profile: "installer", selector: { mac: GOOD_MAC } }));
    chmodSync(path.join(dir, "groups"), 0o755);
    chmodSync(path.join(dir, "ignition"), 0o755);
    await eventually(async () => ((await readyz(probe)).problems.length === 0 ? true : undefined), 6_000);
    await eventually(async () => ((await get(probe, `/ipxe?mac=${GOOD_MAC}`)).body.includes("installer-vmlinuz") ? true : undefined), 3_000);
  }, 60_000);

  it("keeps the last good version when the whole data directory becomes unreadable", async () => {
    const dir = readableDataDir();
    dirs.push(dir);
    const server = await start(dir);
    const probe = await connect(server);
    chmodSync(dir, 0o000);
    process.kill(server.proc.pid!, "SIGHUP");
    await server.waitForLog((l) => l.level === 50 && JSON.stringify(l).includes("EACCES"), 10_000);
    await expectLastGoodServed(probe);
    expect(await get(probe, `/ignition?mac=${GOOD_MAC}`)).toMatchObject({ status: 200 });
    const degraded = await readyz(probe);
    expect(degraded).toMatchObject({ ready: true, status: "degraded", groups: 2, profiles: 2, templates: 1 });
    chmodSync(dir, 0o755);
    await eventually(async () => ((await readyz(probe)).status === "ok" ? true : undefined), 6_000);
  }, 60_000);

  /** Runs `netboot serve` on a data directory it must refuse: its exit code (null when it kept running) and stderr. */
  const refusedStart = async (dir: string) => {
    const command = [...unprivileged, process.execPath, cli, "serve", "-address", "127.0.0.1:0", "-data-path", dir, "-assets-path", path.join(dir, "assets")];
    const proc = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const exit = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        resolve(null);
      }, 15_000);
      proc.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    return { exit, stderr };
  };

  it("refuses to start when it cannot read the data directory, saying what and why", async () => {
    const dir = readableDataDir();
    dirs.push(dir);
    chmodSync(path.join(dir, "groups"), 0o000);
    const { exit, stderr } = await refusedStart(dir);
    expect(exit).toBe(1);
    expect(stderr).toMatch(/netboot: cannot read the data directory/);
    expect(stderr).toContain("groups: cannot read: EACCES");
    expect(stderr).not.toContain('"msg":"listening"');
  }, 30_000);

  it("names the file it may not read, and the folder when it may not search the folder a profile is in", async () => {
    const dir = readableDataDir();
    dirs.push(dir);
    writeFileSync(path.join(dir, "groups/locked.json"), json({ id: "locked", profile: "installer", selector: { os: "locked" } }));
    chmodSync(path.join(dir, "groups/locked.json"), 0o000);
    writeFileSync(path.join(dir, "groups/nested.json"), json({ id: "nested", profile: "private/p", selector: { os: "nested" } }));
    mkdirSync(path.join(dir, "profiles/private"));
    writeFileSync(path.join(dir, "profiles/private/p.json"), json({ id: "p" }));
    chmodSync(path.join(dir, "profiles/private"), 0o000);
    try {
      const { exit, stderr } = await refusedStart(dir);
      expect(exit).toBe(1);
      const refusal = stderr.split("\n").find((line) => line.startsWith("netboot: cannot read the data directory"));
      expect(refusal).toContain("groups/locked.json: cannot read: EACCES");
      expect(refusal).toContain("profiles/private: cannot read: EACCES");
      expect(refusal).not.toContain("profiles/private/p.json");
    } finally {
      chmodSync(path.join(dir, "profiles/private"), 0o755);
      chmodSync(path.join(dir, "groups/locked.json"), 0o644);
    }
  }, 30_000);
});
