import { execFile } from "node:child_process";
import net from "node:net";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { bootableFiles, GOOD_MAC } from "./support/fixtures.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer, type ChildServer } from "./support/child-server.js";
import { HttpSocket, sleep } from "./support/http-socket.js";

const BIG_BYTES = 48 * 1024 * 1024;
const GRACE_MS = 8_000;

function connectOutcome(url: string): Promise<"connected" | "refused"> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => (err.code === "ECONNREFUSED" ? resolve("refused") : reject(err)));
  });
}

describe("signals to `netboot serve`", () => {
  let cli: string;
  let dataDir: string;
  const servers: ChildServer[] = [];
  beforeAll(() => {
    cli = ensureBuiltCli();
    dataDir = makeDataDir({ ...bootableFiles(), "assets/big.img": Buffer.alloc(BIG_BYTES, 0x5a) });
  }, 240_000);
  afterAll(() => {
    for (const server of servers) server.stop();
    removeDir(dataDir);
  });

  const start = async () => {
    const server = await spawnServer(cli, ["-data-path", dataDir, "-assets-path", path.join(dataDir, "assets"), "-shutdown-grace", `${GRACE_MS}ms`]);
    servers.push(server);
    return server;
  };

  it("on SIGTERM stops accepting, finishes the download in flight, and exits 0 as soon as it is done", async () => {
    const server = await start();
    const download = await HttpSocket.connect(server.url);
    let received = 0;
    let finished!: () => void;
    const complete = new Promise<void>((resolve) => (finished = resolve));
    let headerEnd = -1;
    let head = "";
    download.socket.removeAllListeners("data");
    download.socket.on("data", (chunk: Buffer) => {
      if (headerEnd === -1) {
        head += chunk.toString("latin1");
        headerEnd = head.indexOf("\r\n\r\n");
        if (headerEnd === -1) return;
        received = Buffer.byteLength(head, "latin1") - headerEnd - 4;
      } else {
        received += chunk.length;
      }
      if (received >= BIG_BYTES) finished();
      // A slow client: it stops reading after the first chunk, so the response stays in flight.
      if (!slowedDown) {
        slowedDown = true;
        download.socket.pause();
      }
    });
    let slowedDown = false;
    download.write("GET /assets/big.img HTTP/1.1\r\nHost: test\r\n\r\n");
    await sleep(300);
    expect(received).toBeLessThan(BIG_BYTES);

    const signalledAt = Date.now();
    process.kill(server.proc.pid!, "SIGTERM");
    await server.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith("shutting down"));
    let outcome = await connectOutcome(server.url);
    for (let i = 0; i < 20 && outcome === "connected"; i++) {
      await sleep(100);
      outcome = await connectOutcome(server.url);
    }
    expect(outcome).toBe("refused");

    await sleep(1000);
    expect(received).toBeLessThan(BIG_BYTES);
    download.socket.resume();
    await complete;
    const downloadedAt = Date.now();
    expect(downloadedAt - signalledAt).toBeLessThan(GRACE_MS);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(head.toLowerCase()).toContain(`content-length: ${BIG_BYTES}`);
    const exit = await server.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    // Once nothing is in flight, the process exits: a kept-alive idle connection must not hold it for the whole grace period.
    expect(Date.now() - downloadedAt).toBeLessThan(2000);
    download.close();
  }, 60_000);

  it("on a second SIGTERM while finishing a download, exits 1 at once and says why", async () => {
    const server = await start();
    const download = await HttpSocket.connect(server.url);
    download.socket.removeAllListeners("data");
    download.socket.once("data", () => download.socket.pause());
    download.write("GET /assets/big.img HTTP/1.1\r\nHost: test\r\n\r\n");
    await sleep(300);
    process.kill(server.proc.pid!, "SIGTERM");
    await server.waitForLog((l) => typeof l.msg === "string" && l.msg.startsWith("shutting down"));
    process.kill(server.proc.pid!, "SIGTERM");
    expect(await server.exited).toEqual({ code: 1, signal: null });
    expect(server.logs.some((l) => l.level === 40 && l.signal === "SIGTERM" && String(l.msg).startsWith("stopping at once"))).toBe(true);
    download.close();
  }, 60_000);

  it("on SIGHUP reloads the data directory and serves the change", async () => {
    const server = await start();
    const before = await fetch(`${server.url}/ipxe?mac=${GOOD_MAC}`);
    expect(await before.text()).toContain("console=ttyS0");
    writeFileSync(
      path.join(dataDir, "profiles/worker.json"),
      json({ id: "worker", boot: { kernel: "/assets/vmlinuz", initrd: ["/assets/initrd.img"], args: ["console=ttyS1,115200"] } }),
    );
    process.kill(server.proc.pid!, "SIGHUP");
    await server.waitForLog((l) => l.msg === "data directory loaded" && l.reason === "SIGHUP");
    const after = await fetch(`${server.url}/ipxe?mac=${GOOD_MAC}`);
    expect(after.status).toBe(200);
    expect(await after.text()).toContain("console=ttyS1,115200");
    expect(server.proc.exitCode).toBe(null);
    process.kill(server.proc.pid!, "SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});

/**
 * Stop signals in a process that runs children through execa, whose clean-up
 * (signal-exit) sends a signal to the process again when it sees no other
 * listener for it: with handlers that ran once, `netboot wireguard up` died
 * in the middle of removing its interface whenever a `wg` or `ip` was running.
 */
describe("stop signals while a child process runs", () => {
  let signalsModule: string;
  beforeAll(() => {
    signalsModule = pathToFileURL(path.join(path.dirname(ensureBuiltCli()), "..", "util", "signals.js")).href;
  }, 240_000);

  it("finish stopping, and a second signal gets its own handler", async () => {
    const script = `import { execa } from "execa";
      import { onStopSignals } from ${JSON.stringify(signalsModule)};
      onStopSignals(
        (signal) => { console.log("stopping on " + signal); setTimeout(() => { console.log("stopped"); process.exit(0); }, 300); },
        (signal) => console.log("again: " + signal),
      );
      // A child started after the handlers: its clean-up listens for the signals too.
      execa("sleep", ["10"]).catch(() => undefined);
      setTimeout(() => process.kill(process.pid, "SIGTERM"), 200);
      setTimeout(() => process.kill(process.pid, "SIGINT"), 250);`;
    // Run from the checkout, where the script finds execa.
    const result = await new Promise((resolve) => {
      const child = execFile(process.execPath, ["--input-type=module", "-e", script], { cwd: process.cwd(), timeout: 15_000, encoding: "utf8" }, (_err, stdout) =>
        resolve({ code: child.exitCode, signal: child.signalCode, stdout }),
      );
    });
    expect(result).toEqual({ code: 0, signal: null, stdout: "stopping on SIGTERM\nagain: SIGINT\nstopped\n" });
  });
});
