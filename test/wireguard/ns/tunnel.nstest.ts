/**
 * The WireGuard tunnel for real, in network namespaces (root, wireguard-tools,
 * wireguard-go, iproute2, iptables; run by .ci/suites/30-wireguard.sh):
 *
 *   lan (a machine on the Network Boot VLAN, 198.51.100.10)
 *    └─ router (198.51.100.1 | WAN 203.0.113.1; wg-quick with the config from `peer add`)
 *        └─ cloud (WAN 203.0.113.2 and .6; `netboot wireguard up` + `netboot serve` on 192.0.2.1)
 *        ┌─ labr (WAN 203.0.113.5; a second router added live, with the policy routing of docs/homelab-router.md)
 *   labl (203.0.113.130, behind labr 203.0.113.129)
 *
 * Each step asserts what the e2e boot test and the chart rely on.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa, type ResultPromise } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseWgDump } from "../../../server/wireguard/dump.js";
import { STATE_FILES } from "../../../server/wireguard/state.js";
import { Lab, until } from "./netns.js";

const BIN = process.env.NETBOOT_BIN ?? resolve(import.meta.dirname, "../../../dist/server/cli/main.js");
const ASSET_BYTES = 4 * 1024 * 1024;

const lab = new Lab();
const cloud = lab.ns("cloud");
const router = lab.ns("router");
const lan = lab.ns("lan");
const serverIf = `${lab.tag}s`;
const routerIf = `${lab.tag}r`;
const labRouter = lab.ns("labr");
const labLan = lab.ns("labl");
const labRouterIf = `${lab.tag}q`;
let work: string;
/** The state as the sidecar sees it: a Secret-volume layout (files → ..data → timestamped dir). */
let mounted: string;
let sidecar: ResultPromise;
const sidecarLog: string[] = [];
let assetDigest: string;

const netboot = (args: string[]) => execa("node", [BIN, ...args]);

async function publishSecret(version: number): Promise<void> {
  const dir = join(mounted, `..2026_11_26_${version}`);
  await mkdir(dir);
  for (const name of Object.values(STATE_FILES)) await cp(join(work, "state", name), join(dir, name));
  await symlink(`..2026_11_26_${version}`, join(mounted, "..data_tmp"));
  await rename(join(mounted, "..data_tmp"), join(mounted, "..data"));
}

/** An HTTP GET from inside a namespace: status, size, SHA-256 of the body and the request's duration. */
async function fetchFrom(ns: string, url: string): Promise<{ status: number; bytes: number; sha256: string; ms: number }> {
  const script = `
    import { createHash } from "node:crypto";
    const started = performance.now();
    const res = await fetch(process.argv[1], { signal: AbortSignal.timeout(15000) });
    const body = Buffer.from(await res.arrayBuffer());
    const ms = Math.round(performance.now() - started);
    console.log(JSON.stringify({ status: res.status, bytes: body.length, sha256: createHash("sha256").update(body).digest("hex"), ms }));`;
  const { stdout } = await lab.exec(ns, "node", ["--input-type=module", "-e", script, url]);
  return JSON.parse(stdout);
}

async function serverPeers() {
  return parseWgDump((await lab.exec(cloud, "wg", ["show", serverIf, "dump"])).stdout);
}

beforeAll(async () => {
  expect(existsSync(BIN), `${BIN} missing: run npm run build`).toBe(true);
  work = await mkdtemp(join(tmpdir(), "netboot-wg-ns-"));
  mounted = join(work, "mounted");
  await mkdir(mounted);
  for (const role of ["cloud", "router", "lan", "labr", "labl", "spare"]) await lab.addNamespace(role);
  await lab.link({ ns: router, dev: `${lab.tag}w0`, cidr: "203.0.113.1/30" }, { ns: cloud, dev: `${lab.tag}w1`, cidr: "203.0.113.2/30" });
  await lab.link({ ns: lan, dev: `${lab.tag}l0`, cidr: "198.51.100.10/24" }, { ns: router, dev: `${lab.tag}l1`, cidr: "198.51.100.1/24" });
  await lab.exec(lan, "ip", ["route", "add", "default", "via", "198.51.100.1"]);
  await lab.exec(router, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
  await lab.link({ ns: labRouter, dev: `${lab.tag}w2`, cidr: "203.0.113.5/30" }, { ns: cloud, dev: `${lab.tag}w3`, cidr: "203.0.113.6/30" });
  await lab.link({ ns: labLan, dev: `${lab.tag}l2`, cidr: "203.0.113.130/25" }, { ns: labRouter, dev: `${lab.tag}l3`, cidr: "203.0.113.129/25" });
  await lab.exec(labLan, "ip", ["route", "add", "default", "via", "203.0.113.129"]);
  await lab.exec(labRouter, "sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);

  // The boot server's data: one profile and a 4 MiB asset (large enough for full-size segments).
  const data = join(work, "data");
  for (const folder of ["profiles", "groups", "assets"]) await mkdir(join(data, folder), { recursive: true });
  await writeFile(join(data, "profiles", "tunnel.json"), JSON.stringify({ id: "tunnel", boot: { kernel: "/assets/kernel.bin", initrd: [], args: ["console=ttyS0"] } }));
  await writeFile(join(data, "groups", "default.json"), JSON.stringify({ id: "default", name: "default", profile: "tunnel" }));
  const asset = randomBytes(ASSET_BYTES);
  assetDigest = createHash("sha256").update(asset).digest("hex");
  await writeFile(join(data, "assets", "kernel.bin"), asset);
  lab.spawn(cloud, "node", [BIN, "serve", "-address", "0.0.0.0:8080", "-data-path", data, "-assets-path", join(data, "assets")]);
}, 30_000);

afterAll(async () => {
  for (const [ns, name] of [[router, routerIf], [labRouter, labRouterIf]] as const) {
    await lab.exec(ns, "wg-quick", ["down", join(work, `${name}.conf`)], { reject: false });
  }
  await lab.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
}, 30_000);

describe("WireGuard tunnel between namespaces", () => {
  it("init and peer add write the state and a wg-quick config that wg-quick strip accepts", async () => {
    const state = join(work, "state");
    const init = await netboot(["wireguard", "init", "--state", state, "--endpoint", "203.0.113.2:51820", "--tunnel", "192.0.2.0/24"]);
    const serverKey = (await readFile(join(state, STATE_FILES.privateKey), "utf8")).trim();
    expect(init.stdout).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(init.stdout + init.stderr).not.toContain(serverKey);

    const add = await netboot(["wireguard", "peer", "add", "home", "--state", state, "--lan", "198.51.100.0/24"]);
    expect(add.stderr).not.toContain("PrivateKey");
    const confPath = join(work, `${routerIf}.conf`);
    await writeFile(confPath, add.stdout, { mode: 0o600 });
    const stripped = (await execa("wg-quick", ["strip", confPath])).stdout;
    expect(stripped).toMatch(/^PrivateKey = /m);
    expect(stripped).toContain("AllowedIPs = 192.0.2.1/32");
    expect(stripped).toContain("PersistentKeepalive = 25");
    expect(stripped).not.toMatch(/^(Address|MTU|PostUp|PostDown)/m);
    // the stripped config is what `wg setconf` takes: check it parses without an interface
    expect(stripped.split("\n").filter((l) => l.startsWith("["))).toEqual(["[Interface]", "[Peer]"]);

    await publishSecret(1);
    for (const name of Object.values(STATE_FILES)) await symlink(join("..data", name), join(mounted, name));
    await chmod(join(mounted, "..data", STATE_FILES.privateKey), 0o400);
  });

  it("up brings the server interface up from the mounted state", async () => {
    sidecar = lab.spawn(cloud, "node", [
      BIN, "wireguard", "up", "--state", mounted, "--interface", serverIf, "--clamp-mss", "--allow-port", "8080", "--forward", "--poll-interval", "1",
      "--status-file", join(work, "status.json"),
    ]);
    sidecar.stderr?.on("data", (chunk: Buffer) => sidecarLog.push(...chunk.toString().split("\n").filter(Boolean)));
    await until("the sidecar to report the interface up", async () => (sidecarLog.some((l) => l.includes(`${serverIf} up (`)) ? true : undefined));
    const link = (await lab.exec(cloud, "ip", ["-o", "link", "show", serverIf])).stdout;
    expect(link).toContain("mtu 1420");
    expect((await lab.exec(cloud, "ip", ["-o", "address", "show", serverIf])).stdout).toContain("192.0.2.1/24");
    expect((await lab.exec(cloud, "ip", ["route", "show", "198.51.100.0/24"])).stdout).toContain(`dev ${serverIf}`);
    const mangle = (await lab.exec(cloud, "iptables", ["-t", "mangle", "-S"])).stdout;
    expect(mangle).toContain(`-A PREROUTING -i ${serverIf} -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1380`);
    expect(mangle).toContain(`-A POSTROUTING -o ${serverIf} -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1380`);
    expect((await lab.exec(cloud, "sysctl", ["-n", "net.ipv4.ip_forward"])).stdout.trim()).toBe("1");
    // From the tunnel only the boot port and ICMP get in.
    const filter = (await lab.exec(cloud, "iptables", ["-S"])).stdout;
    expect(filter).toContain(`-A INPUT -i ${serverIf} -j NETBOOT-IN-${serverIf}`);
    expect(filter).toContain(`-A NETBOOT-IN-${serverIf} -p tcp -m tcp --dport 8080 -j ACCEPT`);
    expect(filter).toContain(`-A NETBOOT-IN-${serverIf} -p icmp -j ACCEPT`);
    expect(filter).toContain(`-A NETBOOT-IN-${serverIf} -j DROP`);
    expect(sidecarLog.join("\n")).not.toContain((await readFile(join(mounted, STATE_FILES.privateKey), "utf8")).trim());
  });

  it("carries HTTP from the router and from a LAN machine behind it to netboot serve", async () => {
    await lab.exec(router, "wg-quick", ["up", join(work, `${routerIf}.conf`)]);
    const script = await until("boot.ipxe through the tunnel", async () => {
      const res = await fetchFrom(router, "http://192.0.2.1:8080/boot.ipxe").catch(() => undefined);
      return res?.status === 200 ? res : undefined;
    }, 15_000, 250);
    expect(script.bytes).toBeGreaterThan(10);

    const { ms, ...asset } = await fetchFrom(lan, "http://192.0.2.1:8080/assets/kernel.bin");
    expect(asset).toEqual({ status: 200, bytes: ASSET_BYTES, sha256: assetDigest });
    console.log(`4 MiB from the LAN machine through the router and the tunnel in ${ms} ms (${((ASSET_BYTES / 1048576) * (1000 / ms)).toFixed(1)} MiB/s, wireguard-go)`);

    // The router's PostUp MSS clamp saw the LAN machine's SYN.
    const counters = (await lab.exec(router, "iptables", ["-t", "mangle", "-L", "FORWARD", "-v", "-x", "-n"])).stdout;
    const clampHits = counters.split("\n").filter((l) => l.includes("TCPMSS")).map((l) => Number(l.trim().split(/\s+/)[0]));
    expect(clampHits).toHaveLength(2);
    expect(clampHits.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }, 40_000);

  it("status shows the router's handshake, traffic and endpoint", async () => {
    const { stdout } = await lab.exec(cloud, "node", [BIN, "wireguard", "status", "--state", mounted, "--interface", serverIf, "--json"]);
    const [home, ...others] = JSON.parse(stdout);
    expect(others).toEqual([]);
    expect(home.name).toBe("home");
    expect(home.endpoint).toMatch(/^203\.0\.113\.1:\d+$/);
    expect(home.handshakeAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(home.handshakeAgeSeconds).toBeLessThan(60);
    expect(home.rxBytes).toBeGreaterThan(0);
    expect(home.txBytes).toBeGreaterThan(ASSET_BYTES);
    const table = (await lab.exec(cloud, "node", [BIN, "wireguard", "status", "--state", mounted, "--interface", serverIf])).stdout;
    expect(table).toMatch(/^home\s+203\.0\.113\.1:\d+\s+\d+s ago\s+\d+\s+\d+$/m);
    // It names the implementation, the one the sidecar said it brought up.
    const kind = /up \((kernel|wireguard-go)\)/.exec(sidecarLog.join("\n"))?.[1];
    expect(table.split("\n")[0]).toBe(`${serverIf}: ${kind === "kernel" ? "kernel WireGuard" : "wireguard-go (userspace: the node has no WireGuard module, or --userspace was given)"}`);

    // The same, written by the sidecar for a container that cannot run `wg`.
    const snapshot = await until("the status file to show the handshake", async () => {
      const text = await readFile(join(work, "status.json"), "utf8").catch(() => "");
      const parsed = text ? JSON.parse(text) : undefined;
      return parsed?.peers?.[0]?.latestHandshake ? parsed : undefined;
    });
    expect(snapshot.interface).toBe(serverIf);
    expect(snapshot.peers.map((p: { name: string }) => p.name)).toEqual(["home"]);
    expect(JSON.stringify(snapshot)).not.toContain((await readFile(join(mounted, STATE_FILES.privateKey), "utf8")).trim());
  });

  it("a new router in the mounted Secret is applied live without dropping the first one's session", async () => {
    const [before] = await serverPeers();
    // Redirected by a shell with a permissive umask: the file still ends up 0600.
    const labConf = join(work, "lab-router.conf");
    await execa("sh", ["-c", 'umask 022 && exec node "$@" > "$0"', labConf, BIN, "wireguard", "peer", "add", "lab", "--state", join(work, "state"), "--lan", "203.0.113.128/25", "--endpoint", "203.0.113.6:51820"]);
    expect((await stat(labConf)).mode & 0o777).toBe(0o600);
    const add = { stdout: await readFile(labConf, "utf8") };
    expect(add.stdout).toContain("Endpoint = 203.0.113.6:51820");
    // The policy routing of docs/homelab-router.md: the route in table 51820, looked up only for the LAN.
    const policy = [
      "Table = 51820",
      "PostUp = ip rule add from 203.0.113.128/25 lookup 51820 priority 1000",
      "PostDown = ip rule del from 203.0.113.128/25 lookup 51820 priority 1000",
    ];
    await writeFile(join(work, `${labRouterIf}.conf`), add.stdout.replace("MTU = 1420\n", `MTU = 1420\n${policy.join("\n")}\n`), { mode: 0o600 });
    const appliedBefore = sidecarLog.filter((l) => l.includes("re-applied")).length;
    await publishSecret(2);
    await until("the sidecar to re-apply", async () => (sidecarLog.filter((l) => l.includes("re-applied")).length > appliedBefore ? true : undefined));
    const peers = await serverPeers();
    expect(peers).toHaveLength(2);
    const home = peers.find((p) => p.publicKey === before!.publicKey)!;
    // syncconf kept the session: same handshake, counters not reset.
    expect(home.latestHandshake).toBe(before!.latestHandshake);
    expect(home.rxBytes).toBeGreaterThanOrEqual(before!.rxBytes);
    expect(home.endpoint).toBe(before!.endpoint);
    expect((await lab.exec(cloud, "ip", ["route", "show", "203.0.113.128/25"])).stdout).toContain(`dev ${serverIf}`);
    expect((await fetchFrom(lan, "http://192.0.2.1:8080/boot.ipxe")).status).toBe(200);
  }, 30_000);

  it("the second router reaches the server from its LAN only, through policy routing", async () => {
    await lab.exec(labRouter, "wg-quick", ["up", join(work, `${labRouterIf}.conf`)]);
    const reply = await until("boot.ipxe from the second LAN", async () => {
      const res = await fetchFrom(labLan, "http://192.0.2.1:8080/boot.ipxe").catch(() => undefined);
      return res?.status === 200 ? res : undefined;
    }, 15_000, 250);
    expect(reply.bytes).toBeGreaterThan(10);
    expect((await lab.exec(labRouter, "ip", ["route", "show", "table", "main"])).stdout).not.toContain("192.0.2.1");
    expect((await lab.exec(labRouter, "ip", ["route", "get", "192.0.2.1", "from", "203.0.113.130", "iif", `${lab.tag}l3`])).stdout).toContain(`dev ${labRouterIf}`);
    const names = JSON.parse((await lab.exec(cloud, "node", [BIN, "wireguard", "status", "--state", mounted, "--interface", serverIf, "--json"])).stdout)
      .filter((p: { handshakeAgeSeconds: number | null }) => p.handshakeAgeSeconds !== null)
      .map((p: { name: string }) => p.name);
    expect(names.sort()).toEqual(["home", "lab"]);
  }, 30_000);

  it("a broken state change is refused and the tunnel keeps running", async () => {
    const dir = join(mounted, "..2026_11_26_3");
    await mkdir(dir);
    for (const name of Object.values(STATE_FILES)) await cp(join(mounted, "..data", name), join(dir, name));
    await writeFile(join(dir, STATE_FILES.peers), "{ not json");
    await symlink("..2026_11_26_3", join(mounted, "..data_tmp"));
    await rename(join(mounted, "..data_tmp"), join(mounted, "..data"));
    await until("the sidecar to refuse the change", async () => (sidecarLog.some((l) => l.includes("state change not applied")) ? true : undefined));
    expect(await serverPeers()).toHaveLength(2);
    expect((await fetchFrom(lan, "http://192.0.2.1:8080/boot.ipxe")).status).toBe(200);
  }, 30_000);

  it("exits 1 and cleans up when wireguard-go dies", async () => {
    const spare = lab.ns("spare");
    const spareIf = `${lab.tag}x`;
    const log: string[] = [];
    // The mounted state is broken by now (previous test): use the working copy.
    const child = lab.spawn(spare, "node", [BIN, "wireguard", "up", "--state", join(work, "state"), "--interface", spareIf]);
    child.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    await until("the spare sidecar", async () => (log.join("").includes(`${spareIf} up (`) ? true : undefined));
    const goPid = await lab.wireguardGoPid(spareIf);
    process.kill(goPid, "SIGKILL");
    const result = await Promise.race([child, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(result?.exitCode).toBe(1);
    expect(log.join("")).toContain("wireguard-go exited");
    expect((await lab.exec(spare, "ip", ["link", "show", spareIf], { reject: false })).exitCode).not.toBe(0);
  }, 20_000);

  it("SIGTERM removes the interface, the MSS rules and the tunnel filter, and exits 0", async () => {
    sidecar.kill("SIGTERM");
    const result = await Promise.race([sidecar, new Promise<null>((r) => setTimeout(() => r(null), 10_000))]);
    expect(result?.exitCode).toBe(0);
    expect((await lab.exec(cloud, "ip", ["link", "show", serverIf], { reject: false })).exitCode).not.toBe(0);
    expect(existsSync(`/var/run/wireguard/${serverIf}.sock`)).toBe(false);
    expect((await lab.exec(cloud, "iptables", ["-t", "mangle", "-S"])).stdout).not.toContain("TCPMSS");
    expect((await lab.exec(cloud, "iptables", ["-S"])).stdout).not.toContain("NETBOOT-IN-");
  }, 20_000);
});
