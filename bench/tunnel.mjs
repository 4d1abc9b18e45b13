// The boot storm through a real WireGuard tunnel between two network namespaces
// this benchmark creates and removes: the server side (netboot, then nginx,
// behind the same tunnel) and the home side (the machines). Says which is the
// limit in the deployment, the tunnel or the server, and what each end of the
// tunnel costs. wireguard-go always; kernel WireGuard too where the module is.
// Addresses: veth 203.0.113.0/30, tunnel 192.0.2.0/24. Every client runs under
// `ip netns exec` in the home namespace.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { childPids, cpuSeconds, memory, sleep, CLIENT_CPU, SERVER_CPU } from "./lib/proc.mjs";
import { netbootCliInUse, nginxConfig, startNetboot } from "./lib/servers.mjs";
import { prepareStorm, writeStaticAnswers } from "./storm.mjs";
import { fixed, mib, printTable } from "./lib/table.mjs";

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), "lib", "storm-client.mjs");
const SERVER_ADDRESS = "192.0.2.1";
const HOME_ADDRESS = "192.0.2.2";
const PORT = 8080;
const NGINX_PORT = 8081;
const DEADLINE_SECONDS = 900;

const sh = (command, args, input) => execFileSync(command, args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim();
const inNs = (ns, command, args, input) => sh("ip", ["netns", "exec", ns, command, ...args], input);

/** Two namespaces joined by a veth pair, with a WireGuard interface at each end. */
class TunnelLab {
  tag = `nbb${randomBytes(2).toString("hex")}`;
  server = `${this.tag}-srv`;
  home = `${this.tag}-home`;
  children = [];

  constructor(workDir, kind) {
    this.dir = path.join(workDir, this.tag);
    this.kind = kind;
  }

  async up() {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const ns of [this.server, this.home]) {
      sh("ip", ["netns", "add", ns]);
      sh("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
    sh("ip", ["link", "add", `${this.tag}a`, "netns", this.server, "type", "veth", "peer", "name", `${this.tag}b`, "netns", this.home]);
    sh("ip", ["-n", this.server, "address", "add", "203.0.113.1/30", "dev", `${this.tag}a`]);
    sh("ip", ["-n", this.home, "address", "add", "203.0.113.2/30", "dev", `${this.tag}b`]);
    for (const [ns, dev] of [[this.server, `${this.tag}a`], [this.home, `${this.tag}b`]]) sh("ip", ["-n", ns, "link", "set", dev, "up"]);

    const keys = [this.server, this.home].map(() => {
      const key = sh("wg", ["genkey"]);
      return { key, pub: sh("wg", ["pubkey"], key + "\n") };
    });
    const ends = [
      { ns: this.server, dev: `${this.tag}s`, address: `${SERVER_ADDRESS}/24`, own: keys[0], peer: keys[1], allowed: `${HOME_ADDRESS}/32`, listen: 51820 },
      { ns: this.home, dev: `${this.tag}h`, address: `${HOME_ADDRESS}/24`, own: keys[1], peer: keys[0], allowed: `${SERVER_ADDRESS}/32`, listen: 51821, endpoint: "203.0.113.1:51820" },
    ];
    this.wireguardPids = [];
    for (const end of ends) {
      if (this.kind === "kernel") {
        sh("ip", ["-n", end.ns, "link", "add", end.dev, "type", "wireguard"]);
      } else {
        // `ip netns exec` execs: the child's PID is wireguard-go's own.
        const child = spawn("ip", ["netns", "exec", end.ns, "wireguard-go", "-f", end.dev], { stdio: "ignore" });
        this.children.push(child);
        this.wireguardPids.push(child.pid);
        for (let i = 0; i < 200 && !existsSync(`/var/run/wireguard/${end.dev}.sock`); i++) await sleep(50);
      }
      const keyFile = path.join(this.dir, `${end.dev}.key`);
      writeFileSync(keyFile, end.own.key + "\n", { mode: 0o600 });
      const peer = ["peer", end.peer.pub, "allowed-ips", end.allowed, ...(end.endpoint ? ["endpoint", end.endpoint] : [])];
      inNs(end.ns, "wg", ["set", end.dev, "private-key", keyFile, "listen-port", String(end.listen), ...peer]);
      rmSync(keyFile);
      sh("ip", ["-n", end.ns, "address", "add", end.address, "dev", end.dev]);
      sh("ip", ["-n", end.ns, "link", "set", end.dev, "mtu", "1420", "up"]);
    }
  }

  /** A long-running process in the server namespace, pinned to the server CPU. */
  startServer(command, args) {
    const child = spawn("ip", ["netns", "exec", this.server, "taskset", "-c", SERVER_CPU, command, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    child.stderr.resume();
    this.children.push(child);
    return child;
  }

  async waitFor(url) {
    for (let i = 0; i < 600; i++) {
      try {
        if (inNs(this.home, "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2", url]) !== "000") return;
      } catch {
        // not yet
      }
      await sleep(100);
    }
    throw new Error(`nothing answered ${url} through the tunnel`);
  }

  /**
   * The storm's machines, all in the home namespace on the client CPU. Run
   * without blocking this process: it keeps reading the server's log pipe
   * meanwhile (a server whose stderr is not read stops when the pipe is full).
   */
  storm(baseUrl, clients) {
    return new Promise((resolve, reject) => {
      const child = spawn("ip", ["netns", "exec", this.home, "taskset", "-c", CLIENT_CPU, process.execPath, CLIENT, baseUrl, String(clients), String(DEADLINE_SECONDS)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (chunk) => (out += chunk));
      const timer = setTimeout(() => child.kill("SIGKILL"), (DEADLINE_SECONDS + 60) * 1000);
      child.on("close", (code) => {
        clearTimeout(timer);
        if (code === 0) resolve(JSON.parse(out));
        else reject(new Error(`storm client exited ${code}`));
      });
    });
  }

  wireguardCpu() {
    return this.wireguardPids.map((pid) => {
      try {
        return cpuSeconds(pid);
      } catch {
        return NaN;
      }
    });
  }

  async down() {
    for (const child of this.children) if (child.exitCode === null) child.kill("SIGTERM");
    await sleep(300);
    for (const child of this.children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const ns of [this.home, this.server]) {
      try {
        sh("ip", ["netns", "del", ns]);
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function kernelWireGuardAvailable() {
  const probe = `nbbprobe${randomBytes(2).toString("hex")}`;
  try {
    sh("ip", ["netns", "add", probe]);
    sh("ip", ["-n", probe, "link", "add", "wgprobe", "type", "wireguard"]);
    return true;
  } catch {
    return false;
  } finally {
    try {
      sh("ip", ["netns", "del", probe]);
    } catch {
      // not created
    }
  }
}

const peakRss = (pid) => [pid, ...childPids(pid)].reduce((sum, p) => sum + memory(p).peakRss, 0);
const treeCpu = (pid) => [pid, ...childPids(pid)].reduce((sum, p) => sum + cpuSeconds(p), 0);

async function runKind(workDir, kind, clients, dataPath, staticRoot) {
  const lab = new TunnelLab(workDir, kind);
  const rows = [];
  try {
    await lab.up();
    const servers = [
      { label: "netboot", port: PORT, start: () => lab.startServer(process.execPath, [netbootCliInUse(), "serve", "-address", `${SERVER_ADDRESS}:${PORT}`, "-data-path", dataPath, "-assets-path", path.join(staticRoot, "assets")]) },
      { label: "nginx", port: NGINX_PORT, start: () => lab.startServer("nginx", ["-p", lab.dir, "-c", nginxConfig(lab.dir, staticRoot, `${SERVER_ADDRESS}:${NGINX_PORT}`)]) },
    ];
    for (const s of servers) {
      const child = s.start();
      const url = `http://${SERVER_ADDRESS}:${s.port}`;
      await lab.waitFor(`${url}/boot.ipxe`);
      const wgBefore = lab.wireguardCpu();
      const cpuBefore = treeCpu(child.pid);
      const result = await lab.storm(url, clients);
      await sleep(200);
      const wgAfter = lab.wireguardCpu();
      const gib = result.bytes / 2 ** 30;
      rows.push({
        kind,
        label: s.label,
        ...result,
        serverCpuSeconds: treeCpu(child.pid) - cpuBefore,
        peakRssBytes: peakRss(child.pid),
        mibPerSecond: result.bytes / 2 ** 20 / (result.wallMs / 1000),
        wireguardCpuPerGiB: wgAfter.map((v, i) => (v - wgBefore[i]) / gib),
      });
      child.kill("SIGTERM");
      await sleep(500);
    }
  } finally {
    await lab.down();
  }
  return rows;
}

export async function benchTunnel({ workDir, clients }) {
  const { dataPath, staticRoot, assets } = prepareStorm(workDir);
  // nginx serves netboot's own answers as static files, taken from a netboot on loopback.
  const loopback = await startNetboot({ dataPath, assetsPath: assets });
  try {
    await writeStaticAnswers(loopback.url, staticRoot);
  } finally {
    await loopback.stop();
  }

  const kernel = kernelWireGuardAvailable();
  const rows = [...(await runKind(workDir, "wireguard-go", clients, dataPath, staticRoot))];
  if (kernel) rows.push(...(await runKind(workDir, "kernel", clients, dataPath, staticRoot)));

  printTable(
    `Boot storm through a WireGuard tunnel between two namespaces: ${clients} machines × (script + 16 MiB kernel + 64 MiB initrd), server pinned to one CPU, machines on the other`,
    ["tunnel", "server", "completed", "errors", "all done s", "MiB/s", "server CPU s", "server CPU-s per GiB", "peak RSS MiB", "tunnel CPU-s per GiB (server end / home end)"],
    rows.map((r) => ({
      tunnel: r.kind,
      server: r.label,
      completed: `${r.completed}/${r.clients}`,
      errors: r.errors,
      "all done s": fixed(r.wallMs / 1000, 1),
      "MiB/s": fixed(r.mibPerSecond, 1),
      "server CPU s": fixed(r.serverCpuSeconds, 1),
      "server CPU-s per GiB": fixed(r.serverCpuSeconds / (r.bytes / 2 ** 30), 2),
      "peak RSS MiB": mib(r.peakRssBytes),
      "tunnel CPU-s per GiB (server end / home end)": r.kind === "kernel" ? "in the kernel (not per process)" : r.wireguardCpuPerGiB.map((v) => fixed(v, 2)).join(" / "),
    })),
  );
  if (!kernel) console.log("kernel WireGuard: not measured, this machine has no WireGuard kernel module (`ip link add … type wireguard` fails).");
  return { clients, kernelAvailable: kernel, rows };
}
