/**
 * The WireGuard state directory: what it holds, how its files are parsed and
 * validated, and the pure edits `init`, `peer add` and `peer remove` make.
 *
 * The directory is flat (no sub-directories) so a Kubernetes Secret with one key
 * per file can be mounted as the directory itself.
 */
import { NetbootError } from "../errors.js";
import {
  contains,
  firstFreeAddress,
  formatCidr,
  formatIpv4,
  overlaps,
  parseCidr,
  parseIpv4,
  type Cidr,
} from "./cidr.js";

/** File names in the state directory (and keys of the Kubernetes Secret). */
export const STATE_FILES = {
  /** The server's private key, base64, one line. Mode 0600. */
  privateKey: "private-key",
  /** Non-secret server settings (JSON). */
  server: "server.json",
  /** The routers allowed to connect (JSON). */
  peers: "peers.json",
} as const;

export const DEFAULT_LISTEN_PORT = 51820;
export const DEFAULT_MTU = 1420;
export const DEFAULT_KEEPALIVE_SECONDS = 25;

export interface ServerSettings {
  /**
   * HOST:PORT the routers dial (the cloud load balancer). Absent when the
   * state was made before the address was known (in a cluster, `peer add`
   * then reads it from the Service).
   */
  endpoint?: string;
  /** The tunnel's address block, e.g. 192.0.2.0/24. */
  tunnel: string;
  /** The server's own tunnel address: the first usable address of `tunnel`. */
  address: string;
  listenPort: number;
  mtu: number;
  publicKey: string;
}

export interface PeerRecord {
  name: string;
  publicKey: string;
  /** The router's tunnel address (a /32 inside the tunnel block). */
  address: string;
  /** The homelab networks behind this router that boot from the server. */
  lan: string[];
}

export interface WireGuardState {
  privateKey: string;
  server: ServerSettings;
  peers: PeerRecord[];
}

export interface StateFile {
  name: string;
  content: string;
  /** File mode: 0600 for secrets, 0644 otherwise. */
  mode: number;
}

const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/;
const PEER_NAME = /^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/;

export function isWireGuardKey(text: string): boolean {
  return KEY.test(text);
}

export function validatePeerName(name: string): string {
  if (!PEER_NAME.test(name)) {
    throw new Error(
      `peer name "${name}" must be 1-32 lower-case letters, digits or '-', starting and ending with a letter or digit`,
    );
  }
  return name;
}

/** Validates HOST:PORT (IPv6 hosts in brackets) and returns host and port. */
export function parseEndpoint(text: string): { host: string; port: number } {
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw new Error(`endpoint "${text}" must be HOST:PORT (e.g. vpn.example.net:51820)`);
  }
  return { host: match[1]!, port };
}

export function validatePort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what} must be 1-65535, got ${port}`);
  return port;
}

export function validateMtu(mtu: number): number {
  // 1280 is the IPv6 minimum; 1420 leaves room for WireGuard's 80-byte IPv6 overhead in a 1500 path.
  if (!Number.isInteger(mtu) || mtu < 1280 || mtu > 9000) throw new Error(`MTU must be 1280-9000, got ${mtu}`);
  return mtu;
}

/** The MSS that fits a TCP/IPv4 segment without options in one tunnel packet. */
export function mssForMtu(mtu: number): number {
  return mtu - 40;
}

export function newServerState(input: {
  privateKey: string;
  publicKey: string;
  endpoint?: string;
  tunnel: string;
  listenPort?: number;
  mtu?: number;
}): WireGuardState {
  if (input.endpoint !== undefined) parseEndpoint(input.endpoint);
  const tunnel = parseCidr(input.tunnel, { strict: true });
  if (tunnel.prefix > 30) throw new Error(`tunnel ${input.tunnel} is too small: use /30 or larger (e.g. /24)`);
  const address = firstFreeAddress(tunnel, new Set());
  const state: WireGuardState = {
    privateKey: input.privateKey,
    server: {
      ...(input.endpoint === undefined ? {} : { endpoint: input.endpoint }),
      tunnel: formatCidr(tunnel),
      address: formatIpv4(address!),
      listenPort: validatePort(input.listenPort ?? DEFAULT_LISTEN_PORT, "listen port"),
      mtu: validateMtu(input.mtu ?? DEFAULT_MTU),
      publicKey: input.publicKey,
    },
    peers: [],
  };
  validateState(state);
  return state;
}

/** Adds a router: gives it the lowest free tunnel address. Pure: returns a new state. */
export function addPeer(
  state: WireGuardState,
  input: { name: string; publicKey: string; lan: string[] },
): { state: WireGuardState; peer: PeerRecord } {
  validatePeerName(input.name);
  if (state.peers.some((p) => p.name === input.name)) throw new Error(`peer "${input.name}" already exists`);
  const tunnel = parseCidr(state.server.tunnel);
  const taken = new Set([parseIpv4(state.server.address), ...state.peers.map((p) => parseIpv4(p.address))]);
  const address = firstFreeAddress(tunnel, taken);
  if (address === undefined) throw new Error(`tunnel ${state.server.tunnel} has no free address left`);
  const peer: PeerRecord = {
    name: input.name,
    publicKey: input.publicKey,
    address: formatIpv4(address),
    lan: input.lan.map((l) => formatCidr(parseCidr(l, { strict: true }))),
  };
  const next = { ...state, peers: [...state.peers, peer] };
  validateState(next);
  return { state: next, peer };
}

export function removePeer(state: WireGuardState, name: string): WireGuardState {
  if (!state.peers.some((p) => p.name === name)) throw new Error(`no peer named "${name}"`);
  return { ...state, peers: state.peers.filter((p) => p.name !== name) };
}

/** Every network reachable through a peer: its tunnel address and its LANs. */
export function peerAllowedIps(peer: PeerRecord): string[] {
  return [`${peer.address}/32`, ...peer.lan];
}

/** The server's address with the tunnel's prefix, as `ip address add` takes it. */
export function serverInterfaceAddress(server: ServerSettings): string {
  return `${server.address}/${parseCidr(server.tunnel).prefix}`;
}

/**
 * Checks the whole state: keys, addresses inside the tunnel and unique, and no
 * two peers (or a peer and the tunnel) claiming overlapping networks, since
 * WireGuard routes each address to exactly one peer.
 */
export function validateState(state: WireGuardState): void {
  const { server, peers } = state;
  if (!isWireGuardKey(state.privateKey)) throw new Error(`${STATE_FILES.privateKey}: not a WireGuard key`);
  if (!isWireGuardKey(server.publicKey)) throw new Error(`${STATE_FILES.server}: publicKey is not a WireGuard key`);
  if (server.endpoint !== undefined) parseEndpoint(server.endpoint);
  validatePort(server.listenPort, "listenPort");
  validateMtu(server.mtu);
  const tunnel = parseCidr(server.tunnel, { strict: true });
  if (!contains(tunnel, parseIpv4(server.address))) {
    throw new Error(`${STATE_FILES.server}: address ${server.address} is outside tunnel ${server.tunnel}`);
  }
  const seenNames = new Set<string>();
  const seenKeys = new Set<string>([server.publicKey]);
  const seenAddresses = new Set<string>([server.address]);
  const claimed: { owner: string; cidr: Cidr; text: string }[] = [{ owner: "the tunnel", cidr: tunnel, text: server.tunnel }];
  for (const peer of peers) {
    const where = `${STATE_FILES.peers}: peer "${peer.name}"`;
    validatePeerName(peer.name);
    if (seenNames.has(peer.name)) throw new Error(`${where} appears twice`);
    seenNames.add(peer.name);
    if (!isWireGuardKey(peer.publicKey)) throw new Error(`${where}: publicKey is not a WireGuard key`);
    if (seenKeys.has(peer.publicKey)) throw new Error(`${where}: public key already in use`);
    seenKeys.add(peer.publicKey);
    if (!contains(tunnel, parseIpv4(peer.address))) throw new Error(`${where}: address ${peer.address} is outside the tunnel`);
    if (seenAddresses.has(peer.address)) throw new Error(`${where}: address ${peer.address} already in use`);
    seenAddresses.add(peer.address);
    if (!Array.isArray(peer.lan)) throw new Error(`${where}: lan must be a list of CIDR blocks`);
    for (const text of peer.lan) {
      const cidr = parseCidr(text, { strict: true });
      const clash = claimed.find((c) => overlaps(c.cidr, cidr));
      if (clash) throw new Error(`${where}: LAN ${text} overlaps ${clash.text} of ${clash.owner}`);
      claimed.push({ owner: `peer "${peer.name}"`, cidr, text });
    }
  }
}

/** Reads the state from the directory's files (name → content). */
export function parseStateFiles(files: Readonly<Record<string, string | undefined>>): WireGuardState {
  const read = (name: string): string => {
    const content = files[name];
    if (content === undefined) throw new NetbootError("NB_CONFIG_FILE", `WireGuard state: ${name} is missing`);
    return content;
  };
  const json = (name: string): unknown => {
    try {
      return JSON.parse(read(name));
    } catch (err) {
      if (err instanceof NetbootError) throw err;
      throw new NetbootError("NB_CONFIG_FILE", `WireGuard state: ${name}: ${(err as Error).message}`);
    }
  };
  const server = json(STATE_FILES.server) as ServerSettings;
  const peersDoc = json(STATE_FILES.peers) as { peers?: PeerRecord[] };
  if (typeof server !== "object" || server === null || !Array.isArray(peersDoc?.peers)) {
    throw new NetbootError("NB_CONFIG_FILE", `WireGuard state: ${STATE_FILES.server} or ${STATE_FILES.peers} has the wrong shape`);
  }
  const state: WireGuardState = {
    privateKey: read(STATE_FILES.privateKey).trim(),
    server: {
      ...(server.endpoint === undefined || server.endpoint === null ? {} : { endpoint: String(server.endpoint) }),
      tunnel: String(server.tunnel),
      address: String(server.address),
      listenPort: Number(server.listenPort),
      mtu: Number(server.mtu),
      publicKey: String(server.publicKey),
    },
    peers: peersDoc.peers.map((p) => ({
      name: String(p.name),
      publicKey: String(p.publicKey),
      address: String(p.address),
      lan: Array.isArray(p.lan) ? p.lan.map(String) : [],
    })),
  };
  try {
    validateState(state);
  } catch (err) {
    throw new NetbootError("NB_CONFIG_FILE", `WireGuard state: ${(err as Error).message}`);
  }
  return state;
}

/** The files that make up the state directory, in a stable order and format. */
export function stateFiles(state: WireGuardState): StateFile[] {
  return [
    { name: STATE_FILES.privateKey, content: `${state.privateKey}\n`, mode: 0o600 },
    { name: STATE_FILES.server, content: `${JSON.stringify(state.server, null, 2)}\n`, mode: 0o644 },
    { name: STATE_FILES.peers, content: `${JSON.stringify({ peers: state.peers }, null, 2)}\n`, mode: 0o644 },
  ];
}
