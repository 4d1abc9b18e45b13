/**
 * `netboot wireguard …`: the tunnel between the cloud boot server and the
 * homelab routers. Key and config generation, the sidecar (`up`) and status.
 */
import { fchmodSync, fstatSync } from "node:fs";
import type { Command } from "./command.js";
import { closest, flagReader, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { generateKeyPair } from "../wireguard/keys.js";
import { DEFAULT_SECRET_NAME } from "../wireguard/manifests.js";
import { parseOutputRequests, writeOutputs, type OutputRequest } from "../wireguard/outputs.js";
import { isRouterFormat, ROUTER_FORMATS, routerConfig } from "../wireguard/router/index.js";
import { runSidecar } from "../wireguard/sidecar.js";
import { readStateDir, stateDirExists, writeStateDir } from "../wireguard/state-dir.js";
import {
  addPeer,
  DEFAULT_KEEPALIVE_SECONDS,
  DEFAULT_LISTEN_PORT,
  DEFAULT_MTU,
  newServerState,
  parseEndpoint,
  removePeer,
  type WireGuardState,
} from "../wireguard/state.js";
import { readPeerStatus } from "../wireguard/status.js";
import { formatPeerList, formatStatus } from "../wireguard/status-view.js";

const USAGE = `Usage:
  netboot wireguard init --state DIR --endpoint HOST:PORT --tunnel CIDR [--listen-port ${DEFAULT_LISTEN_PORT}] [--mtu ${DEFAULT_MTU}]
                         [--output secret|values[=FILE]]... [--secret-name ${DEFAULT_SECRET_NAME}]
  netboot wireguard peer add NAME --state DIR --lan CIDR [--lan CIDR]... [--endpoint HOST:PORT]
                         [--format ${ROUTER_FORMATS.join("|")}] [--keepalive ${DEFAULT_KEEPALIVE_SECONDS}] [--output KIND=FILE]...
  netboot wireguard peer list --state DIR [--json]
  netboot wireguard peer remove NAME --state DIR [--output …]
  netboot wireguard up --state DIR --interface NAME [--listen-port PORT] [--clamp-mss] [--forward]
                       [--userspace] [--poll-interval 5] [--status-file FILE]
  netboot wireguard status --state DIR --interface NAME [--json]

DIR holds the server's key and peers (private-key, server.json, peers.json);
in Kubernetes it is the mounted Secret. --output secret writes a Kubernetes
Secret of DIR, --output values Helm values for the chart (to stdout, or to
FILE with KIND=FILE). Router configs go to stdout and hold the router's
private key: it is not stored anywhere else.`;

const OUTPUT_OPTIONS: FlagSpecs = {
  output: { type: "string", multiple: true, description: "secret|values[=FILE]" },
  "secret-name": { type: "string", default: DEFAULT_SECRET_NAME, description: "The Secret's name" },
};

const STATE: FlagSpecs = { state: { type: "string", description: "The state directory" } };

function parse(argv: string[], specs: FlagSpecs) {
  const { values, positionals } = parseFlags(argv, { ...specs, help: { type: "boolean", description: "Print usage and exit" } });
  return { flag: flagReader(values), positionals };
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`--${flag} is required`);
  return value;
}

function integerFlag(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} must be a whole number, got "${value}"`);
  return Number(value);
}

/**
 * Writes output that holds a private key. When stdout is redirected to a file
 * (`> router.conf`), that file is narrowed to mode 0600 first, whatever the umask.
 */
function writeSecretOutput(text: string): void {
  try {
    const target = fstatSync(1);
    if (target.isFile() && (target.mode & 0o077) !== 0) fchmodSync(1, 0o600);
  } catch {
    // not a file we may change (a pipe, a terminal, another user's file): write as is
  }
  process.stdout.write(text);
}

function note(message: string): void {
  process.stderr.write(`netboot wireguard: ${message}\n`);
}

/** Writes the requested files; returns what belongs on standard output, if any. */
async function exportOutputs(state: WireGuardState, requests: OutputRequest[], secretName: string): Promise<string | null> {
  if (requests.length === 0) return null;
  const { stdout, written } = await writeOutputs(state, requests, secretName);
  if (written.length) note(`wrote ${written.join(", ")}`);
  return stdout;
}

function outputRequests(texts: string[] | undefined, options: { stdoutTaken?: string } = {}): OutputRequest[] {
  let requests: OutputRequest[];
  try {
    requests = parseOutputRequests(texts);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (options.stdoutTaken && requests.some((r) => r.path === null)) {
    throw new UsageError(`standard output carries ${options.stdoutTaken}; write --output to a file (KIND=FILE)`);
  }
  return requests;
}

const str = (description: string): FlagSpecs[string] => ({ type: "string", description });
const bool = (description: string): FlagSpecs[string] => ({ type: "boolean", description });

async function init(argv: string[]): Promise<number> {
  const { flag } = parse(argv, {
    ...STATE,
    endpoint: str("HOST:PORT the routers dial"),
    tunnel: str("The tunnel's address block"),
    "listen-port": str("UDP port"),
    mtu: str("Tunnel MTU"),
    ...OUTPUT_OPTIONS,
  });
  if (flag.boolean("help")) return help();
  const dir = required(flag.string("state"), "state");
  const endpoint = required(flag.string("endpoint"), "endpoint");
  const tunnel = required(flag.string("tunnel"), "tunnel");
  const listenPort = integerFlag(flag.string("listen-port"), "listen-port", DEFAULT_LISTEN_PORT);
  const mtu = integerFlag(flag.string("mtu"), "mtu", DEFAULT_MTU);
  const outputs = outputRequests(flag.list("output"));
  if (await stateDirExists(dir)) throw new Error(`${dir} already holds a WireGuard state; remove it to start over`);
  const keys = await generateKeyPair();
  const state = newServerState({ ...keys, endpoint, tunnel, listenPort, mtu });
  await writeStateDir(dir, state);
  note(`initialised ${dir}: server address ${state.server.address} in ${state.server.tunnel}, udp/${listenPort}, endpoint ${endpoint}`);
  const manifest = await exportOutputs(state, outputs, flag.string("secret-name")!);
  if (manifest === null) {
    process.stdout.write(`${state.server.publicKey}\n`);
  } else {
    note(`server public key: ${state.server.publicKey}`);
    writeSecretOutput(manifest);
  }
  return 0;
}

async function peerAdd(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, {
    ...STATE,
    lan: { type: "string", multiple: true, description: "A network behind the router" },
    endpoint: str("HOST:PORT of the server, if not the state's"),
    format: { type: "string", default: "wg-quick", description: "Router config format" },
    keepalive: str("Persistent keepalive seconds"),
    ...OUTPUT_OPTIONS,
  });
  if (flag.boolean("help")) return help();
  if (positionals.length !== 1) throw new UsageError("peer add takes exactly one NAME");
  const name = positionals[0]!;
  const dir = required(flag.string("state"), "state");
  const lan = flag.list("lan");
  if (lan.length === 0) throw new UsageError("--lan is required (the network that boots, e.g. 198.51.100.0/24)");
  const format = flag.string("format")!;
  if (!isRouterFormat(format)) throw new UsageError(`--format must be one of ${ROUTER_FORMATS.join(", ")}`);
  const endpoint = flag.string("endpoint");
  if (endpoint !== undefined) parseEndpoint(endpoint);
  const keepaliveSeconds = integerFlag(flag.string("keepalive"), "keepalive", DEFAULT_KEEPALIVE_SECONDS);
  if (keepaliveSeconds < 1 || keepaliveSeconds > 65535) throw new UsageError("--keepalive must be 1-65535 seconds");
  const outputs = outputRequests(flag.list("output"), { stdoutTaken: "the router's config" });

  const current = await readStateDir(dir);
  const keys = await generateKeyPair();
  const { state, peer } = addPeer(current, { name, publicKey: keys.publicKey, lan });
  const config = routerConfig(format, {
    peerName: peer.name,
    privateKey: keys.privateKey,
    address: peer.address,
    lan: peer.lan,
    serverPublicKey: state.server.publicKey,
    endpoint: endpoint ?? state.server.endpoint,
    serverAddress: state.server.address,
    mtu: state.server.mtu,
    keepaliveSeconds,
  });
  await writeStateDir(dir, state);
  note(`added peer "${peer.name}" at ${peer.address} for ${peer.lan.join(", ")}; its ${format} config (with its private key) is on stdout`);
  await exportOutputs(state, outputs, flag.string("secret-name")!);
  writeSecretOutput(config);
  return 0;
}

async function peerList(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, { ...STATE, json: bool("Print JSON") });
  if (flag.boolean("help")) return help();
  if (positionals.length) throw new UsageError("peer list takes no arguments");
  const state = await readStateDir(required(flag.string("state"), "state"));
  process.stdout.write(flag.boolean("json") ? `${JSON.stringify(state.peers, null, 2)}\n` : formatPeerList(state.peers));
  return 0;
}

async function peerRemove(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, { ...STATE, ...OUTPUT_OPTIONS });
  if (flag.boolean("help")) return help();
  if (positionals.length !== 1) throw new UsageError("peer remove takes exactly one NAME");
  const dir = required(flag.string("state"), "state");
  const outputs = outputRequests(flag.list("output"));
  const state = removePeer(await readStateDir(dir), positionals[0]!);
  await writeStateDir(dir, state);
  note(`removed peer "${positionals[0]}"`);
  const manifest = await exportOutputs(state, outputs, flag.string("secret-name")!);
  if (manifest !== null) writeSecretOutput(manifest);
  return 0;
}

async function up(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, {
    ...STATE,
    interface: str("The WireGuard interface"),
    "listen-port": str("UDP port, if not the state's"),
    "clamp-mss": bool("Clamp the TCP MSS of forwarded connections"),
    forward: bool("Forward between the tunnel and the pod"),
    userspace: bool("Use wireguard-go even where kernel WireGuard exists"),
    "poll-interval": str("Seconds between state directory checks"),
    "status-file": str("Where to write the peers' status"),
  });
  if (flag.boolean("help")) return help();
  if (positionals.length) throw new UsageError("up takes no arguments");
  const interfaceName = required(flag.string("interface"), "interface");
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(interfaceName)) throw new UsageError("--interface must be a Linux interface name (1-15 characters)");
  const pollSeconds = integerFlag(flag.string("poll-interval"), "poll-interval", 5);
  if (pollSeconds < 1) throw new UsageError("--poll-interval must be at least 1 second");
  const listenPortText = flag.string("listen-port");
  const listenPort = listenPortText === undefined ? undefined : integerFlag(listenPortText, "listen-port", 0);
  if (listenPort !== undefined && (listenPort < 1 || listenPort > 65535)) throw new UsageError("--listen-port must be 1-65535");
  const statusFile = flag.string("status-file");
  return runSidecar({
    stateDir: required(flag.string("state"), "state"),
    interfaceName,
    ...(listenPort === undefined ? {} : { listenPort }),
    clampMss: flag.boolean("clamp-mss"),
    forward: flag.boolean("forward"),
    userspace: flag.boolean("userspace"),
    pollIntervalMs: pollSeconds * 1000,
    ...(statusFile ? { statusFile } : {}),
    log: note,
  });
}

/** Why `wg show` failed, in one line: wg missing, or wg's own complaint. */
function wgFailure(err: unknown): string {
  const { code, stderr, shortMessage } = err as { code?: string; stderr?: string; shortMessage?: string };
  if (code === "ENOENT") return "the wg command is not installed (Debian package wireguard-tools)";
  const said = typeof stderr === "string" ? stderr.trim().split("\n").at(-1) : undefined;
  return said || shortMessage || (err as Error).message;
}

const WHERE_STATUS_RUNS = (interfaceName: string) =>
  `The interface lives in the WireGuard sidecar: run this there, e.g. ` +
  `kubectl exec deploy/netboot -c wireguard -- netboot wireguard status --state /etc/netboot/wireguard --interface ${interfaceName}\n` +
  `or as root on the host where \`netboot wireguard up\` created it.`;

async function status(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, { ...STATE, interface: str("The WireGuard interface"), json: bool("Print JSON") });
  if (flag.boolean("help")) return help();
  if (positionals.length) throw new UsageError("status takes no arguments");
  const state = await readStateDir(required(flag.string("state"), "state"));
  const interfaceName = required(flag.string("interface"), "interface");
  let rows;
  try {
    rows = await readPeerStatus(interfaceName, state, Math.floor(Date.now() / 1000));
  } catch (err) {
    throw new Error(`cannot read WireGuard interface ${interfaceName}: ${wgFailure(err)}\n${WHERE_STATUS_RUNS(interfaceName)}`);
  }
  process.stdout.write(flag.boolean("json") ? `${JSON.stringify(rows, null, 2)}\n` : formatStatus(rows));
  return 0;
}

function help(): number {
  process.stdout.write(`${USAGE}\n`);
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  init,
  up,
  status,
  "peer add": peerAdd,
  "peer list": peerList,
  "peer remove": peerRemove,
};

export const wireguardCommand: Command = {
  async run(argv) {
    const [first, second] = argv;
    if (first === undefined || first === "help" || first === "--help" || first === "-h") return help();
    const key = first === "peer" ? `peer ${second}` : first;
    const sub = SUBCOMMANDS[key];
    if (!sub) {
      const guess = closest(key, Object.keys(SUBCOMMANDS));
      const suggestion = guess === undefined ? "" : ` (did you mean "${guess}"?)`;
      process.stderr.write(`netboot wireguard: unknown command "${[first, first === "peer" ? second : ""].join(" ").trim()}"${suggestion}\n\n${USAGE}\n`);
      return 2;
    }
    try {
      return await sub(argv.slice(first === "peer" ? 2 : 1));
    } catch (err) {
      process.stderr.write(`netboot wireguard ${key}: ${(err as Error).message}\n`);
      if (err instanceof UsageError) process.stderr.write(`\n${USAGE}\n`);
      return err instanceof UsageError ? 2 : 1;
    }
  },
};
