/**
 * MikroTik RouterOS 7: the `/interface wireguard` interface and peer, the
 * tunnel address, a route to the boot server, and mangle rules that clamp the
 * TCP MSS in both directions (iPXE does no path-MTU discovery).
 */
import { mssForMtu } from "../state.js";
import type { RouterConfigInput } from "./input.js";
import { splitEndpoint } from "./input.js";

const IFACE = "wg-netboot";

export function routerosConfig(input: RouterConfigInput): string {
  const { host, port } = splitEndpoint(input.endpoint);
  const mss = mssForMtu(input.mtu);
  const lines = [
    `# netboot WireGuard client for router "${input.peerName}" (RouterOS 7). Paste into a terminal.`,
    "/interface wireguard",
    `add name=${IFACE} mtu=${input.mtu} private-key="${input.privateKey}" comment="netboot"`,
    "/interface wireguard peers",
    `add interface=${IFACE} public-key="${input.serverPublicKey}" endpoint-address=${host} endpoint-port=${port} allowed-address=${input.serverAddress}/32 persistent-keepalive=${input.keepaliveSeconds}s comment="netboot server"`,
    "/ip address",
    `add address=${input.address}/32 interface=${IFACE} comment="netboot"`,
    "/ip route",
    `add dst-address=${input.serverAddress}/32 gateway=${IFACE} comment="netboot: boot server through the tunnel"`,
    "/ip firewall mangle",
    `add chain=forward out-interface=${IFACE} protocol=tcp tcp-flags=syn tcp-mss=${mss + 1}-65535 action=change-mss new-mss=${mss} passthrough=yes comment="netboot: MSS clamp into the tunnel"`,
    `add chain=forward in-interface=${IFACE} protocol=tcp tcp-flags=syn tcp-mss=${mss + 1}-65535 action=change-mss new-mss=${mss} passthrough=yes comment="netboot: MSS clamp from the tunnel"`,
  ];
  return `${lines.join("\n")}\n`;
}
