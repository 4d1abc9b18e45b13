/**
 * A wg-quick(8) file for a Linux router. wg-quick adds the route to the boot
 * server from AllowedIPs; PostUp/PostDown clamp the MSS of forwarded TCP
 * connections because iPXE does no path-MTU discovery: a full-size segment
 * would be dropped inside the tunnel and never retransmitted smaller.
 */
import { mssForMtu } from "../state.js";
import type { RouterConfigInput } from "./input.js";

export interface WgQuickOptions {
  /** Leave out PostUp/PostDown (for routers that import the file but run no commands). */
  commands?: boolean;
  /** Comment lines placed before [Interface]. */
  header?: string[];
}

export function mssClampRules(mtu: number): string[] {
  const mss = mssForMtu(mtu);
  // Both directions: SYNs leaving through the tunnel and SYN-ACKs arriving from it.
  return [`-o %i`, `-i %i`].map(
    (dir) => `FORWARD ${dir} -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss ${mss}`,
  );
}

export function wgQuickConfig(input: RouterConfigInput, options: WgQuickOptions = {}): string {
  const header = options.header ?? [
    `# netboot WireGuard client for router "${input.peerName}".`,
    "# Save as /etc/wireguard/netboot.conf (mode 0600), then: wg-quick up netboot",
    `# Boot server: ${input.serverAddress} through this tunnel; LAN served: ${input.lan.join(", ")}.`,
    "# The router must forward IPv4 (sysctl net.ipv4.ip_forward=1).",
  ];
  const lines = [...header, "[Interface]", `Address = ${input.address}/32`, `PrivateKey = ${input.privateKey}`, `MTU = ${input.mtu}`];
  if (options.commands !== false) {
    lines.push("# iPXE does no path-MTU discovery: clamp TCP MSS to fit the tunnel MTU.");
    for (const rule of mssClampRules(input.mtu)) lines.push(`PostUp = iptables -t mangle -A ${rule}`);
    for (const rule of mssClampRules(input.mtu)) lines.push(`PostDown = iptables -t mangle -D ${rule}`);
  }
  lines.push(
    "",
    "[Peer]",
    "# The netboot server; wg-quick routes AllowedIPs into the tunnel.",
    `PublicKey = ${input.serverPublicKey}`,
    `Endpoint = ${input.endpoint}`,
    `AllowedIPs = ${input.serverAddress}/32`,
    `PersistentKeepalive = ${input.keepaliveSeconds}`,
  );
  return `${lines.join("\n")}\n`;
}
