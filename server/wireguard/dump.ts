/**
 * Parses `wg show <interface> dump` (and `wg show all dump`). The interface
 * line carries the private key: it is recognised by its field count and
 * dropped, so no secret leaves this function.
 */

export interface PeerStatus {
  /** Set when parsing `wg show all dump`. */
  interface?: string;
  publicKey: string;
  /** host:port the last packet came from, or null before the first handshake. */
  endpoint: string | null;
  allowedIps: string[];
  /** Unix time (seconds) of the latest handshake, or null if there was none. */
  latestHandshake: number | null;
  rxBytes: number;
  txBytes: number;
  /** Seconds, or null when off. */
  persistentKeepalive: number | null;
}

const INTERFACE_FIELDS = 4;
const PEER_FIELDS = 8;

function integer(text: string, what: string, lineNumber: number): number {
  if (!/^\d+$/.test(text)) throw new Error(`wg dump line ${lineNumber}: ${what} "${text}" is not a number`);
  return Number(text);
}

export function parseWgDump(text: string): PeerStatus[] {
  const peers: PeerStatus[] = [];
  const lines = text.split("\n");
  lines.forEach((line, index) => {
    if (line.trim() === "") return;
    const lineNumber = index + 1;
    let fields = line.split("\t");
    let iface: string | undefined;
    if (fields.length === INTERFACE_FIELDS + 1 || fields.length === PEER_FIELDS + 1) {
      iface = fields[0];
      fields = fields.slice(1);
    }
    if (fields.length === INTERFACE_FIELDS) return;
    if (fields.length !== PEER_FIELDS) {
      throw new Error(`wg dump line ${lineNumber}: expected ${PEER_FIELDS} tab-separated fields, got ${fields.length}`);
    }
    // fields[1] is the preshared key (or "(none)"): a secret, never kept.
    const [publicKey, , endpoint, allowedIps, handshake, rx, tx, keepalive] = fields as [
      string, string, string, string, string, string, string, string,
    ];
    const latest = integer(handshake, "latest-handshake", lineNumber);
    peers.push({
      ...(iface === undefined ? {} : { interface: iface }),
      publicKey,
      endpoint: endpoint === "(none)" ? null : endpoint,
      allowedIps: allowedIps === "(none)" ? [] : allowedIps.split(","),
      latestHandshake: latest === 0 ? null : latest,
      rxBytes: integer(rx, "transfer-rx", lineNumber),
      txBytes: integer(tx, "transfer-tx", lineNumber),
      persistentKeepalive: keepalive === "off" ? null : integer(keepalive, "persistent-keepalive", lineNumber),
    });
  });
  return peers;
}

/** Seconds since the latest handshake, or null if there was none. */
export function handshakeAgeSeconds(status: PeerStatus, nowSeconds: number): number | null {
  return status.latestHandshake === null ? null : Math.max(0, nowSeconds - status.latestHandshake);
}
