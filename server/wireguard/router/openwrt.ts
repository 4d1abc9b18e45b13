/**
 * OpenWrt (21.02 and later): a `uci` script that adds the WireGuard interface,
 * its peer (with route_allowed_ips for the route to the boot server) and a
 * firewall zone with mtu_fix (OpenWrt's MSS clamping) that the boot VLAN's zone
 * may forward into. No masquerading: the server routes the LAN back itself.
 */
import type { RouterConfigInput } from "./input.js";
import { splitEndpoint } from "./input.js";

const IFACE = "netboot";

function quote(value: string | number): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

export function openwrtConfig(input: RouterConfigInput): string {
  const { host, port } = splitEndpoint(input.endpoint);
  const peer = `${IFACE}_server`;
  const set = (key: string, value: string | number) => `uci set ${key}=${quote(value)}`;
  const lines = [
    `# netboot WireGuard client for router "${input.peerName}" (OpenWrt 21.02+, packages wireguard-tools and kmod-wireguard).`,
    "# Run in a shell on the router. Change 'lan' below to the firewall zone of the Network Boot VLAN.",
    `uci -q delete network.${IFACE}`,
    set(`network.${IFACE}`, "interface"),
    set(`network.${IFACE}.proto`, "wireguard"),
    set(`network.${IFACE}.private_key`, input.privateKey),
    `uci add_list network.${IFACE}.addresses=${quote(`${input.address}/32`)}`,
    set(`network.${IFACE}.mtu`, input.mtu),
    `uci -q delete network.${peer}`,
    set(`network.${peer}`, `wireguard_${IFACE}`),
    set(`network.${peer}.description`, "netboot server"),
    set(`network.${peer}.public_key`, input.serverPublicKey),
    set(`network.${peer}.endpoint_host`, host),
    set(`network.${peer}.endpoint_port`, port),
    set(`network.${peer}.persistent_keepalive`, input.keepaliveSeconds),
    "# route_allowed_ips adds the route to the boot server through the tunnel.",
    set(`network.${peer}.route_allowed_ips`, 1),
    `uci add_list network.${peer}.allowed_ips=${quote(`${input.serverAddress}/32`)}`,
    `uci -q delete firewall.${IFACE}`,
    set(`firewall.${IFACE}`, "zone"),
    set(`firewall.${IFACE}.name`, IFACE),
    `uci add_list firewall.${IFACE}.network=${quote(IFACE)}`,
    set(`firewall.${IFACE}.input`, "REJECT"),
    set(`firewall.${IFACE}.output`, "ACCEPT"),
    set(`firewall.${IFACE}.forward`, "REJECT"),
    "# mtu_fix clamps TCP MSS to the tunnel MTU: iPXE does no path-MTU discovery.",
    set(`firewall.${IFACE}.mtu_fix`, 1),
    `uci -q delete firewall.${IFACE}_from_lan`,
    set(`firewall.${IFACE}_from_lan`, "forwarding"),
    set(`firewall.${IFACE}_from_lan.src`, "lan"),
    set(`firewall.${IFACE}_from_lan.dest`, IFACE),
    "uci commit network",
    "uci commit firewall",
    "service network reload",
    "service firewall restart",
  ];
  return `${lines.join("\n")}\n`;
}
