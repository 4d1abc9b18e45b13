import type { DhcpFormat } from "../../server/dhcp/formats.js";

/** The command lines whose output is kept in test/dhcp/golden/<name>.txt. */
export const GOLDEN_CASES: { name: string; format: DhcpFormat; argv: string[] }[] = [
  { name: "dnsmasq-minimal", format: "dnsmasq", argv: ["--server-url", "http://198.51.100.1:8080"] },
  {
    name: "dnsmasq-lan",
    format: "dnsmasq",
    argv: ["--server-url", "http://198.51.100.1:8080/", "--interface", "lan0", "--range", "192.0.2.100,192.0.2.199"],
  },
  { name: "openwrt", format: "openwrt", argv: ["--server-url", "http://198.51.100.1:8080"] },
  {
    name: "routeros",
    format: "routeros",
    argv: ["--server-url", "http://198.51.100.1:8080", "--interface", "dhcp-lab", "--range", "192.0.2.100-192.0.2.199"],
  },
  {
    name: "kea",
    format: "kea",
    argv: ["--server-url", "http://198.51.100.1:8080", "--interface", "lo", "--range", "192.0.2.100,192.0.2.199", "--subnet", "192.0.2.0/24"],
  },
  { name: "kea-classes-only", format: "kea", argv: ["--server-url", "http://198.51.100.1:8080"] },
  { name: "unifi", format: "unifi", argv: ["--server-url", "http://198.51.100.1:8080"] },
];
