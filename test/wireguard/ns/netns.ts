/**
 * Network namespaces for the tunnel test: created with unique names, and
 * removed again with every process the test started in them.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { execa, type ResultPromise } from "execa";

export const run = (command: string, args: string[]) => execa(command, args);

export class Lab {
  /** A short unique tag: interface names stay within 15 characters and never clash with other runs. */
  readonly tag = `nbwg${randomBytes(2).toString("hex")}`;
  private readonly namespaces: string[] = [];
  private readonly processes: ResultPromise[] = [];

  ns(role: string): string {
    return `${this.tag}-${role}`;
  }

  async addNamespace(role: string): Promise<string> {
    const name = this.ns(role);
    await run("ip", ["netns", "add", name]);
    this.namespaces.push(name);
    await run("ip", ["-n", name, "link", "set", "lo", "up"]);
    return name;
  }

  /** A veth pair between two namespaces, each end with an address, both up. */
  async link(a: { ns: string; dev: string; cidr: string }, b: { ns: string; dev: string; cidr: string }): Promise<void> {
    await run("ip", ["link", "add", a.dev, "netns", a.ns, "type", "veth", "peer", "name", b.dev, "netns", b.ns]);
    for (const end of [a, b]) {
      await run("ip", ["-n", end.ns, "address", "add", end.cidr, "dev", end.dev]);
      await run("ip", ["-n", end.ns, "link", "set", end.dev, "up"]);
    }
  }

  exec(ns: string, command: string, args: string[], options: { reject?: boolean; input?: string } = {}) {
    return execa("ip", ["netns", "exec", ns, command, ...args], { reject: options.reject ?? true, ...(options.input === undefined ? {} : { input: options.input }) });
  }

  /** A long-running process in a namespace; `ip netns exec` execs, so its PID is the process's own. */
  spawn(ns: string, command: string, args: string[]): ResultPromise {
    const child = execa("ip", ["netns", "exec", ns, command, ...args], { reject: false, stdin: "ignore" });
    this.processes.push(child);
    return child;
  }

  async cleanup(): Promise<void> {
    for (const child of this.processes) if (child.exitCode === null && child.pid) child.kill("SIGKILL");
    await Promise.allSettled(this.processes);
    // wg-quick starts wireguard-go as a daemon: find it by the interface name it was given.
    for (const pid of await this.ownWireguardGo()) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    for (const ns of this.namespaces.reverse()) await execa("ip", ["netns", "del", ns], { reject: false });
  }

  /** The PID of the wireguard-go process serving `interfaceName`. */
  async wireguardGoPid(interfaceName: string): Promise<number> {
    const pids = await this.wireguardGo((args) => args.includes(interfaceName));
    if (pids.length !== 1) throw new Error(`expected one wireguard-go for ${interfaceName}, found ${pids.length}`);
    return pids[0]!;
  }

  private ownWireguardGo(): Promise<number[]> {
    return this.wireguardGo((args) => args.some((a) => a.startsWith(this.tag)));
  }

  private async wireguardGo(match: (args: string[]) => boolean): Promise<number[]> {
    const pids: number[] = [];
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
      const [exe, ...args] = cmdline.split("\0");
      if (exe?.endsWith("wireguard-go") && match(args)) pids.push(Number(entry));
    }
    return pids;
  }
}

/** Waits until `check` returns a value (not undefined), polling every `everyMs`, for at most `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
