/**
 * Router configs against golden files. The golden files were checked by hand
 * against each vendor's documentation:
 * - wg-quick: wg-quick(8) and wg(8) man pages (wireguard-tools), "CONFIGURATION FILE FORMAT";
 *   iptables-extensions(8), "TCPMSS".
 * - OpenWrt: https://openwrt.org/docs/guide-user/services/vpn/wireguard/client (uci network
 *   interface proto 'wireguard', wireguard_<iface> peer sections, route_allowed_ips) and
 *   https://openwrt.org/docs/guide-user/firewall/firewall_configuration (zone option mtu_fix,
 *   forwarding sections).
 * - RouterOS 7: https://help.mikrotik.com/docs/spaces/ROS/pages/69664792/WireGuard (interface and
 *   peers properties) and https://help.mikrotik.com/docs/spaces/ROS/pages/48660587/Mangle
 *   (action=change-mss, new-mss, tcp-mss).
 * - UniFi: Ubiquiti's help centre (help.ui.com) articles on the UniFi Gateway WireGuard VPN
 *   client (upload of a wg-quick configuration file) and on Policy-Based Routes. UniFi runs no
 *   PostUp commands, so its file is the wg-quick one without them.
 * Regenerate with NETBOOT_UPDATE_GOLDEN=1 after a deliberate change, and review the diff.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { routerConfig, ROUTER_FORMATS, type RouterFormat } from "../../server/wireguard/router/index.js";
import { ROUTER_INPUT, ROUTER_PRIVATE, SERVER_PUBLIC } from "./fixtures.js";

const GOLDEN: Record<RouterFormat, string> = {
  "wg-quick": "wg-quick.conf",
  openwrt: "openwrt.sh",
  routeros: "routeros.rsc",
  unifi: "unifi.conf",
};

function golden(format: RouterFormat, actual: string): string {
  const url = new URL(`golden/${GOLDEN[format]}`, import.meta.url);
  if (process.env.NETBOOT_UPDATE_GOLDEN === "1") writeFileSync(url, actual);
  return readFileSync(url, "utf8");
}

/** wg-quick's INI layout: section name → key → values (keys may repeat). */
function sections(text: string): { name: string; keys: Map<string, string[]> }[] {
  const out: { name: string; keys: Map<string, string[]> }[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const section = /^\[(\w+)\]$/.exec(line);
    if (section) {
      out.push({ name: section[1]!, keys: new Map() });
      continue;
    }
    const [key, ...rest] = line.split("=");
    const values = out.at(-1)!.keys.get(key!.trim()) ?? [];
    values.push(rest.join("=").trim());
    out.at(-1)!.keys.set(key!.trim(), values);
  }
  return out;
}

describe("router configs", () => {
  it.each(ROUTER_FORMATS)("%s matches its golden file", (format) => {
    const actual = routerConfig(format, ROUTER_INPUT);
    expect(actual).toBe(golden(format, actual));
  });

  it("wg-quick has one [Interface] and one [Peer] with the keys a router needs", () => {
    const [iface, peer, ...more] = sections(routerConfig("wg-quick", ROUTER_INPUT));
    expect(more).toEqual([]);
    expect(iface!.name).toBe("Interface");
    expect(iface!.keys.get("Address")).toEqual(["192.0.2.2/32"]);
    expect(iface!.keys.get("PrivateKey")).toEqual([ROUTER_PRIVATE]);
    expect(iface!.keys.get("MTU")).toEqual(["1420"]);
    expect(iface!.keys.get("PostUp")).toHaveLength(2);
    expect(iface!.keys.get("PostUp")!.every((c) => c.includes("TCPMSS --set-mss 1380"))).toBe(true);
    expect(iface!.keys.get("PostDown")).toEqual(iface!.keys.get("PostUp")!.map((c) => c.replace(" -A ", " -D ")));
    expect(peer!.name).toBe("Peer");
    expect(Object.fromEntries(peer!.keys)).toEqual({
      PublicKey: [SERVER_PUBLIC],
      Endpoint: ["vpn.example.net:51820"],
      AllowedIPs: ["192.0.2.1/32"],
      PersistentKeepalive: ["25"],
    });
  });

  it("UniFi gets the wg-quick file without commands", () => {
    const unifi = sections(routerConfig("unifi", ROUTER_INPUT));
    expect([...unifi[0]!.keys.keys()]).toEqual(["Address", "PrivateKey", "MTU"]);
    expect(unifi[1]).toEqual(sections(routerConfig("wg-quick", ROUTER_INPUT))[1]);
  });

  it.each(ROUTER_FORMATS)("%s carries keepalive, MTU, the route and MSS clamping for another MTU", (format) => {
    const text = routerConfig(format, { ...ROUTER_INPUT, mtu: 1380, keepaliveSeconds: 15, endpoint: "[2001:db8::7]:4500" });
    expect(text).toContain("1380");
    // MSS = MTU - 40; OpenWrt's mtu_fix clamps to the path MTU of the tunnel zone instead of a number.
    expect(text).toContain(format === "openwrt" ? "mtu_fix='1'" : "1340");
    expect(text).toMatch(/15/);
    expect(text).toContain("192.0.2.1/32");
    expect(text).toContain("2001:db8::7");
  });
});
