/**
 * The tunnel interface through `ip`, `wg`, `iptables` and `wireguard-go`
 * (execa). Kernel WireGuard is used when the module is there; otherwise a
 * wireguard-go child process provides the interface.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { execa, type ResultPromise } from "execa";
import { mssForMtu } from "./state.js";

export type Log = (message: string) => void;

export interface TunnelLink {
  name: string;
  kind: "kernel" | "wireguard-go";
  /** The wireguard-go process (userspace mode only); settles when it exits. */
  child?: ResultPromise;
}

async function run(command: string, args: string[], input?: string): Promise<void> {
  await execa(command, args, input === undefined ? {} : { input });
}

export async function linkExists(name: string): Promise<boolean> {
  const result = await execa("ip", ["link", "show", "dev", name], { reject: false });
  return result.exitCode === 0;
}

/** The wireguard-go control socket appears once the device is ready for `wg`. */
function uapiSocket(name: string): string {
  return `/var/run/wireguard/${name}.sock`;
}

export async function createLink(name: string, log: Log, options: { userspace?: boolean } = {}): Promise<TunnelLink> {
  if (await linkExists(name)) {
    log(`interface ${name} exists already (left from an earlier run); deleting it`);
    await run("ip", ["link", "del", "dev", name]);
  }
  if (!options.userspace) {
    const kernel = await execa("ip", ["link", "add", "dev", name, "type", "wireguard"], { reject: false });
    if (kernel.exitCode === 0) return { name, kind: "kernel" };
    log(`kernel WireGuard unavailable (${kernel.stderr.trim()}); starting wireguard-go`);
  }
  // detached: a Ctrl-C in the terminal reaches only netboot, which then stops wireguard-go itself.
  const child = execa("wireguard-go", ["-f", name], { reject: false, detached: true, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) {
        // Its boxed banner about kernel support is based on the kernel version alone; the module may be missing.
        if (line.trim() && !/^[\u2500-\u257f]/.test(line.trim())) log(`wireguard-go: ${line.trim()}`);
      }
    });
  }
  let exited = false;
  void child.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wireguard-go exited before ${name} was ready`);
    if (existsSync(uapiSocket(name)) && (await linkExists(name))) return { name, kind: "wireguard-go", child };
    await sleep(50);
  }
  child.kill("SIGTERM");
  throw new Error(`wireguard-go did not create ${name} within 10 s`);
}

/**
 * Which implementation provides an existing interface: kernel WireGuard (link
 * kind `wireguard`) or wireguard-go (a tun device with its control socket);
 * undefined when there is no such interface.
 */
export async function linkKind(name: string): Promise<TunnelLink["kind"] | undefined> {
  const result = await execa("ip", ["-d", "-j", "link", "show", "dev", name], { reject: false });
  if (result.exitCode !== 0) return undefined;
  const links = JSON.parse(result.stdout) as { linkinfo?: { info_kind?: string } }[];
  return links[0]?.linkinfo?.info_kind === "wireguard" ? "kernel" : "wireguard-go";
}

export async function deleteLink(link: TunnelLink): Promise<void> {
  if (link.child) {
    link.child.kill("SIGTERM");
    const grace = new AbortController();
    const stopped = await Promise.race([
      link.child.then(() => true),
      sleep(5_000, false, { signal: grace.signal }).catch(() => false),
    ]);
    grace.abort(); // a pending timer would hold the process open after the child exited
    if (!stopped) link.child.kill("SIGKILL");
  }
  if (await linkExists(link.name)) await run("ip", ["link", "del", "dev", link.name]);
}

/**
 * Applies keys and peers without disturbing sessions of unchanged peers.
 * The config holds the private key, so it never touches a file: Node gives a
 * child a socket as stdin, which `wg` cannot fopen() as /dev/stdin, so `cat`
 * turns it into a pipe.
 */
export async function syncConf(name: string, setconf: string): Promise<void> {
  await run("sh", ["-c", 'cat | exec wg syncconf "$1" /dev/stdin', "sh", name], setconf);
}

export async function setLinkUp(name: string, mtu: number): Promise<void> {
  await run("ip", ["link", "set", "dev", name, "mtu", String(mtu), "up"]);
}

export async function replaceAddress(name: string, cidr: string): Promise<void> {
  await run("ip", ["address", "replace", cidr, "dev", name]);
}

export async function deleteAddress(name: string, cidr: string): Promise<void> {
  await execa("ip", ["address", "del", cidr, "dev", name], { reject: false });
}

export async function replaceRoute(name: string, destination: string): Promise<void> {
  await run("ip", ["route", "replace", destination, "dev", name]);
}

export async function deleteRoute(name: string, destination: string): Promise<void> {
  await execa("ip", ["route", "del", destination, "dev", name], { reject: false });
}

export async function enableIpv4Forwarding(): Promise<void> {
  await writeFile("/proc/sys/net/ipv4/ip_forward", "1\n");
}

/**
 * TCPMSS rules for SYNs entering and leaving through the tunnel. PREROUTING and
 * POSTROUTING cover both connections that end on this host (the boot server in
 * the pod) and connections it forwards to other hosts.
 */
function mssRules(name: string, mtu: number): string[][] {
  const match = ["-p", "tcp", "--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS", "--set-mss", String(mssForMtu(mtu))];
  return [
    ["PREROUTING", "-i", name, ...match],
    ["POSTROUTING", "-o", name, ...match],
  ];
}

/** Clamps the MSS of TCP connections through the tunnel (idempotent). */
export async function addMssClamp(name: string, mtu: number): Promise<void> {
  for (const rule of mssRules(name, mtu)) {
    const present = await execa("iptables", ["-t", "mangle", "-C", ...rule], { reject: false });
    if (present.exitCode !== 0) await run("iptables", ["-t", "mangle", "-A", ...rule]);
  }
}

export async function removeMssClamp(name: string, mtu: number): Promise<void> {
  for (const rule of mssRules(name, mtu)) await execa("iptables", ["-t", "mangle", "-D", ...rule], { reject: false });
}

/** The chain holding the tunnel's input filter (iptables allows 28 characters; interface names have 15). */
function filterChain(name: string): string {
  return `NETBOOT-IN-${name}`;
}

/** The filter's rules: the given TCP ports and ICMP are let in from the tunnel, everything else dropped. */
export function inputFilterRules(tcpPorts: number[]): string[][] {
  return [
    ...tcpPorts.map((port) => ["-p", "tcp", "--dport", String(port), "-j", "ACCEPT"]),
    ["-p", "icmp", "-j", "ACCEPT"],
    ["-j", "DROP"],
  ];
}

/**
 * Lets only `tcpPorts` (and ICMP) in through the tunnel: the boot network is
 * untrusted, and other listeners in the pod (the read-only views, anything a
 * user adds) must not be reachable from it. Idempotent: a restarted sidecar in
 * the same network namespace replaces its earlier rules.
 */
export async function addInputFilter(name: string, tcpPorts: number[]): Promise<void> {
  const chain = filterChain(name);
  await execa("iptables", ["-N", chain], { reject: false }); // exists after a restart
  await run("iptables", ["-F", chain]);
  for (const rule of inputFilterRules(tcpPorts)) await run("iptables", ["-A", chain, ...rule]);
  const jump = ["INPUT", "-i", name, "-j", chain];
  const present = await execa("iptables", ["-C", ...jump], { reject: false });
  if (present.exitCode !== 0) await run("iptables", ["-I", ...jump]);
}

export async function removeInputFilter(name: string): Promise<void> {
  const chain = filterChain(name);
  await execa("iptables", ["-D", "INPUT", "-i", name, "-j", chain], { reject: false });
  await execa("iptables", ["-F", chain], { reject: false });
  await execa("iptables", ["-X", chain], { reject: false });
}

/** The public keys of the interface's peers (`wg show <name> peers`). */
export async function listPeerKeys(name: string): Promise<string[]> {
  const { stdout } = await execa("wg", ["show", name, "peers"]);
  return stdout.split("\n").map((l) => l.trim()).filter(Boolean);
}

/** `wg show <name> dump`. Its first line holds the private key: parse it with parseWgDump, never print it. */
export async function showDump(name: string): Promise<string> {
  const { stdout } = await execa("wg", ["show", name, "dump"]);
  return stdout;
}
