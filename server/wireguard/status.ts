/** The routers' live status from `wg show <if> dump`, named from the state; and `up --status-file`. */
import { parseWgDump } from "./dump.js";
import { showDump } from "./link.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { WireGuardState } from "./state.js";
import { namePeers, type NamedPeerStatus, type StatusSnapshot } from "./status-view.js";

export async function readPeerStatus(interfaceName: string, state: WireGuardState, nowSeconds: number): Promise<NamedPeerStatus[]> {
  return namePeers(parseWgDump(await showDump(interfaceName)), state.peers, nowSeconds);
}

export async function writeStatusFile(path: string, interfaceName: string, state: WireGuardState): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const snapshot: StatusSnapshot = { interface: interfaceName, updatedAt: now, peers: await readPeerStatus(interfaceName, state, now) };
  await writeFileAtomic(path, `${JSON.stringify(snapshot, null, 2)}\n`);
}
