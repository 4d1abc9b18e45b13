/**
 * WireGuard peer metrics from a real interface: two wireguard-go interfaces in
 * network namespaces this test creates (and removes), one handshake between
 * them, and `wg show <if> dump` read by the metrics reader. Needs root,
 * wireguard-go, wireguard-tools and iproute2 (all in .ci/apt-packages.txt).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetbootMetrics, wgDumpPeers } from "../../server/observe/metrics.js";
import { Lab, until } from "../wireguard/ns/netns.js";
import { parseExposition, sampleValue } from "./exposition.js";

const lab = new Lab();
const cloud = lab.ns("mc");
const router = lab.ns("mr");
const serverIf = `${lab.tag}m`;
const routerIf = `${lab.tag}n`;
let routerPublicKey = "";

async function genKeyPair(): Promise<{ privateKey: string; publicKey: string }> {
  const privateKey = (await lab.exec(cloud, "wg", ["genkey"])).stdout.trim();
  const publicKey = (await lab.exec(cloud, "wg", ["pubkey"], { input: privateKey + "\n" })).stdout.trim();
  return { privateKey, publicKey };
}

/** A wireguard-go interface in `ns` with a tunnel address and one peer. */
async function bringUp(ns: string, ifname: string, own: { privateKey: string }, tunnelCidr: string, peer: { publicKey: string; allowed: string; endpoint: string }) {
  lab.spawn(ns, "wireguard-go", ["-f", ifname]);
  await until(`${ifname} to appear`, async () => ((await lab.exec(ns, "ip", ["link", "show", ifname], { reject: false })).exitCode === 0 ? true : undefined));
  await lab.exec(ns, "sh", ["-c", `umask 077; printf '%s\\n' "$1" > /tmp/${ifname}.key && wg set ${ifname} private-key /tmp/${ifname}.key listen-port 51820 peer ${peer.publicKey} allowed-ips ${peer.allowed} endpoint ${peer.endpoint}; rm -f /tmp/${ifname}.key`, "sh", own.privateKey]);
  await lab.exec(ns, "ip", ["address", "add", tunnelCidr, "dev", ifname]);
  await lab.exec(ns, "ip", ["link", "set", ifname, "up"]);
}

beforeAll(async () => {
  await lab.addNamespace("mc");
  await lab.addNamespace("mr");
  await lab.link({ ns: router, dev: `${lab.tag}v0`, cidr: "203.0.113.1/30" }, { ns: cloud, dev: `${lab.tag}v1`, cidr: "203.0.113.2/30" });
  const server = await genKeyPair();
  const routerKeys = await genKeyPair();
  routerPublicKey = routerKeys.publicKey;
  await bringUp(cloud, serverIf, server, "192.0.2.1/24", { publicKey: routerKeys.publicKey, allowed: "192.0.2.2/32", endpoint: "203.0.113.1:51820" });
  await bringUp(router, routerIf, routerKeys, "192.0.2.2/24", { publicKey: server.publicKey, allowed: "192.0.2.1/32", endpoint: "203.0.113.2:51820" });
  await until("a handshake", async () => ((await lab.exec(router, "ping", ["-c", "1", "-W", "1", "192.0.2.1"], { reject: false })).exitCode === 0 ? true : undefined), 40_000, 200);
}, 90_000);

afterAll(async () => {
  await lab.cleanup();
}, 30_000);

describe("WireGuard peer metrics from wg show dump", () => {
  it("reports the router's handshake age and bytes, and none of the keys' secrets", async () => {
    const peers = await wgDumpPeers(serverIf)();
    expect(peers).toEqual([expect.objectContaining({ publicKey: routerPublicKey, endpoint: "203.0.113.1:51820", allowedIps: ["192.0.2.2/32"] })]);
    const metrics = new NetbootMetrics({ snapshot: () => undefined, wireguard: { interface: serverIf, peers: wgDumpPeers(serverIf) } });
    const text = await metrics.render();
    const m = parseExposition(text);
    expect(sampleValue(m, "netboot_wireguard_up", { interface: serverIf })).toBe(1);
    const age = sampleValue(m, "netboot_wireguard_peer_last_handshake_age_seconds", { interface: serverIf, peer: routerPublicKey })!;
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    expect(sampleValue(m, "netboot_wireguard_peer_receive_bytes", { peer: routerPublicKey })).toBeGreaterThan(0);
    expect(sampleValue(m, "netboot_wireguard_peer_transmit_bytes", { peer: routerPublicKey })).toBeGreaterThan(0);
    const privateKeyLine = (await lab.exec(cloud, "wg", ["show", serverIf, "private-key"])).stdout.trim();
    expect(text).not.toContain(privateKeyLine);
  });

  it("scrapes without WireGuard numbers when the interface does not exist", async () => {
    const missing = `${lab.tag}x`;
    expect(await wgDumpPeers(missing)()).toBeUndefined();
    const metrics = new NetbootMetrics({ snapshot: () => undefined, wireguard: { interface: missing, peers: wgDumpPeers(missing) } });
    const m = parseExposition(await metrics.render());
    expect(sampleValue(m, "netboot_wireguard_up", { interface: missing })).toBe(0);
    expect(m.samples.filter((s) => s.name.startsWith("netboot_wireguard_peer"))).toEqual([]);
  });
});
