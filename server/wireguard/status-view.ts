/** Joins `wg` peer status with the state directory's names and renders it. */
import { handshakeAgeSeconds, type PeerStatus } from "./dump.js";
import type { PeerRecord } from "./state.js";
import { formatTable } from "../util/table.js";

export interface NamedPeerStatus extends PeerStatus {
  /** The peer's name in the state directory, or null for a peer the state does not know. */
  name: string | null;
  handshakeAgeSeconds: number | null;
}

/** What `up --status-file` writes: the peers' status, named, without any key but public ones. */
export interface StatusSnapshot {
  interface: string;
  /** Unix time (seconds) of the reading. */
  updatedAt: number;
  peers: NamedPeerStatus[];
}

export function namePeers(statuses: PeerStatus[], peers: PeerRecord[], nowSeconds: number): NamedPeerStatus[] {
  const names = new Map(peers.map((p) => [p.publicKey, p.name]));
  return statuses.map((s) => ({ ...s, name: names.get(s.publicKey) ?? null, handshakeAgeSeconds: handshakeAgeSeconds(s, nowSeconds) }));
}

export function formatAge(seconds: number | null): string {
  if (seconds === null) return "never";
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s ago`;
  return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m ago`;
}

export function formatStatus(rows: NamedPeerStatus[]): string {
  return formatTable([
    ["NAME", "ENDPOINT", "HANDSHAKE", "RX", "TX"],
    ...rows.map((r) => [
      r.name ?? `(unknown ${r.publicKey.slice(0, 8)}…)`,
      r.endpoint ?? "-",
      formatAge(r.handshakeAgeSeconds),
      String(r.rxBytes),
      String(r.txBytes),
    ]),
  ]);
}

export function formatPeerList(peers: PeerRecord[]): string {
  return formatTable([
    ["NAME", "ADDRESS", "LAN", "PUBLIC KEY"],
    ...peers.map((p) => [p.name, p.address, p.lan.join(",") || "-", p.publicKey]),
  ]);
}

/** Which implementation runs the interface, for `wireguard status`. */
export function describeKind(kind: "kernel" | "wireguard-go" | undefined): string {
  if (kind === "kernel") return "kernel WireGuard";
  if (kind === "wireguard-go") return "wireguard-go (userspace: the node has no WireGuard module, or --userspace was given)";
  return "no such interface";
}
