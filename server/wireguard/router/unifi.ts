/**
 * UniFi gateways import wg-quick files (Settings → VPN → VPN Client → WireGuard
 * → upload the file) but run no PostUp commands, so this is the wg-quick file
 * without them; the header says where the route and MSS clamping are set.
 */
import { mssForMtu } from "../state.js";
import type { RouterConfigInput } from "./input.js";
import { wgQuickConfig } from "./wg-quick.js";

export function unifiConfig(input: RouterConfigInput): string {
  return wgQuickConfig(input, {
    commands: false,
    header: [
      `# netboot WireGuard client for router "${input.peerName}" (UniFi Network 8+, a UniFi gateway).`,
      "# Import: Settings > VPN > VPN Client > Create New > WireGuard > upload this file.",
      `# Route: Settings > Routing > Policy-Based Routes (older versions: Traffic Routes): destination ${input.serverAddress}/32, source the Network Boot VLAN, interface this VPN client.`,
      `# MSS: UniFi runs no PostUp commands; set the VPN client's MTU to ${input.mtu} and, where offered, MSS clamping to ${mssForMtu(input.mtu)}.`,
    ],
  });
}
