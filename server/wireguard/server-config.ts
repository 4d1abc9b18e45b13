/**
 * The server interface's configuration in `wg setconf` / `wg syncconf` format
 * (keys and peers only; addresses, MTU and routes are set with `ip`).
 * It holds the private key: pass it to `wg` on stdin, never write or log it.
 */
import { peerAllowedIps, type WireGuardState } from "./state.js";

export function serverSetconf(state: WireGuardState): string {
  const lines = ["[Interface]", `PrivateKey = ${state.privateKey}`, `ListenPort = ${state.server.listenPort}`];
  for (const peer of state.peers) {
    // Routers sit behind NAT and dial in, so the server learns their endpoints from handshakes.
    lines.push("", "[Peer]", `# ${peer.name}`, `PublicKey = ${peer.publicKey}`, `AllowedIPs = ${peerAllowedIps(peer).join(", ")}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The routes the server needs: each peer's LANs through the tunnel interface. */
export function serverRoutes(state: WireGuardState): string[] {
  return state.peers.flatMap((p) => p.lan);
}
