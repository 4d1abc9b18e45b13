import type { DhcpTarget } from "./input.js";
import { renderDnsmasq } from "./dnsmasq.js";
import { renderKea } from "./kea.js";
import { renderOpenwrt } from "./openwrt.js";
import { renderRouteros } from "./routeros.js";
import { renderUnifi } from "./unifi.js";

/** Every router format `netboot dhcp-config` can print, and which optional inputs it uses. */
export const DHCP_FORMATS = {
  dnsmasq: { render: renderDnsmasq, uses: ["interface", "range"] },
  openwrt: { render: renderOpenwrt, uses: [] },
  routeros: { render: renderRouteros, uses: ["interface", "range"] },
  kea: { render: renderKea, uses: ["interface", "range", "subnet"] },
  unifi: { render: renderUnifi, uses: [] },
} as const satisfies Record<string, { render: (target: DhcpTarget) => string; uses: readonly string[] }>;

export type DhcpFormat = keyof typeof DHCP_FORMATS;

export function isDhcpFormat(name: string): name is DhcpFormat {
  return Object.hasOwn(DHCP_FORMATS, name);
}
