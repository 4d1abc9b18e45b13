/**
 * `netboot wireguard …`: the tunnel between the cloud boot server and the
 * homelab routers. Key and config generation, the sidecar (`up`) and status.
 */
import { fchmodSync, fstatSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { Command } from "./command.js";
import { generateKeyPair } from "../wireguard/keys.js";
import { DEFAULT_SECRET_NAME } from "../wireguard/manifests.js";
import { parseOutputRequests, writeOutputs, type OutputRequest } from "../wireguard/outputs.js";
import { isRouterFormat, ROUTER_FORMATS, routerConfig } from "../wireguard/router/index.js";
import { linkKind } from "../wireguard/link.js";
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
import { describeKind, formatPeerList, formatStatus } from "../wireguard/status-view.js";

class UsageError extends Error {}

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

const OUTPUT_OPTIONS = {
  output: { type: "string", multiple: true },
  "secret-name": { type: "string", default: DEFAULT_SECRET_NAME },
} as const;

function parse<T extends NonNullable<ParseArgsConfig["options"]>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
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

async function init(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    state: { type: "string" },
    endpoint: { type: "string" },
    tunnel: { type: "string" },
    "listen-port": { type: "string" },
    mtu: { type: "string" },
    ...OUTPUT_OPTIONS,
  });
  if (values.help) return help();
  const dir = required(values.state, "state");
  const endpoint = required(values.endpoint, "endpoint");
  const tunnel = required(values.tunnel, "tunnel");
  const listenPort = integerFlag(values["listen-port"], "listen-port", DEFAULT_LISTEN_PORT);
  const mtu = integerFlag(values.mtu, "mtu", DEFAULT_MTU);
  const outputs = outputRequests(values.output);
  if (await stateDirExists(dir)) throw new Error(`${dir} already holds a WireGuard state; remove it to start over`);
  const keys = await generateKeyPair();
  const state = newServerState({ ...keys, endpoint, tunnel, listenPort, mtu });
  await writeStateDir(dir, state);
  note(`initialised ${dir}: server address ${state.server.address} in ${state.server.tunnel}, udp/${listenPort}, endpoint ${endpoint}`);
  const manifest = await exportOutputs(state, outputs, values["secret-name"]!);
  if (manifest === null) {
    process.stdout.write(`${state.server.publicKey}\n`);
  } else {
    note(`server public key: ${state.server.publicKey}`);
    writeSecretOutput(manifest);
  }
  return 0;
}

async function peerAdd(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    state: { type: "string" },
    lan: { type: "string", multiple: true },
    endpoint: { type: "string" },
    format: { type: "string", default: "wg-quick" },
    keepalive: { type: "string" },
    ...OUTPUT_OPTIONS,
  });
  if (values.help) return help();
  if (positionals.length !== 1) throw new UsageError("peer add takes exactly one NAME");
  const name = positionals[0]!;
  const dir = required(values.state, "state");
  const lan = values.lan ?? [];
  if (lan.length === 0) throw new UsageError("--lan is required (the network that boots, e.g. 198.51.100.0/24)");
  const format = values.format!;
  if (!isRouterFormat(format)) throw new UsageError(`--format must be one of ${ROUTER_FORMATS.join(", ")}`);
  if (values.endpoint !== undefined) parseEndpoint(values.endpoint);
  const keepaliveSeconds = integerFlag(values.keepalive, "keepalive", DEFAULT_KEEPALIVE_SECONDS);
  if (keepaliveSeconds < 1 || keepaliveSeconds > 65535) throw new UsageError("--keepalive must be 1-65535 seconds");
  const outputs = outputRequests(values.output, { stdoutTaken: "the router's config" });

  const current = await readStateDir(dir);
  const keys = await generateKeyPair();
  const { state, peer } = addPeer(current, { name, publicKey: keys.publicKey, lan });
  const config = routerConfig(format, {
    peerName: peer.name,
    privateKey: keys.privateKey,
    address: peer.address,
    lan: peer.lan,
    serverPublicKey: state.server.publicKey,
    endpoint: values.endpoint ?? state.server.endpoint,
    serverAddress: state.server.address,
    mtu: state.server.mtu,
    keepaliveSeconds,
  });
  await writeStateDir(dir, state);
  note(`added peer "${peer.name}" at ${peer.address} for ${peer.lan.join(", ")}; its ${format} config (with its private key) is on stdout`);
  await exportOutputs(state, outputs, values["secret-name"]!);
  writeSecretOutput(config);
  return 0;
}

async function peerList(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { state: { type: "string" }, json: { type: "boolean" } });
  if (values.help) return help();
  if (positionals.length) throw new UsageError("peer list takes no arguments");
  const state = await readStateDir(required(values.state, "state"));
  process.stdout.write(values.json ? `${JSON.stringify(state.peers, null, 2)}\n` : formatPeerList(state.peers));
  return 0;
}

async function peerRemove(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { state: { type: "string" }, ...OUTPUT_OPTIONS });
  if (values.help) return help();
  if (positionals.length !== 1) throw new UsageError("peer remove takes exactly one NAME");
  const dir = required(values.state, "state");
  const outputs = outputRequests(values.output);
  const state = removePeer(await readStateDir(dir), positionals[0]!);
  await writeStateDir(dir, state);
  note(`removed peer "${positionals[0]}"`);
  const manifest = await exportOutputs(state, outputs, values["secret-name"]!);
  if (manifest !== null) writeSecretOutput(manifest);
  return 0;
}

async function up(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    state: { type: "string" },
    interface: { type: "string" },
    "listen-port": { type: "string" },
    "clamp-mss": { type: "boolean", default: false },
    forward: { type: "boolean", default: false },
    userspace: { type: "boolean", default: false },
    "poll-interval": { type: "string" },
    "status-file": { type: "string" },
  });
  if (values.help) return help();
  if (positionals.length) throw new UsageError("up takes no arguments");
  const interfaceName = required(values.interface, "interface");
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(interfaceName)) throw new UsageError("--interface must be a Linux interface name (1-15 characters)");
  const pollSeconds = integerFlag(values["poll-interval"], "poll-interval", 5);
  if (pollSeconds < 1) throw new UsageError("--poll-interval must be at least 1 second");
  const listenPort = values["listen-port"] === undefined ? undefined : integerFlag(values["listen-port"], "listen-port", 0);
  if (listenPort !== undefined && (listenPort < 1 || listenPort > 65535)) throw new UsageError("--listen-port must be 1-65535");
  return runSidecar({
    stateDir: required(values.state, "state"),
    interfaceName,
    ...(listenPort === undefined ? {} : { listenPort }),
    clampMss: values["clamp-mss"]!,
    forward: values.forward!,
    userspace: values.userspace!,
    pollIntervalMs: pollSeconds * 1000,
    ...(values["status-file"] ? { statusFile: values["status-file"] } : {}),
    log: note,
  });
}

async function status(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { state: { type: "string" }, interface: { type: "string" }, json: { type: "boolean" } });
  if (values.help) return help();
  if (positionals.length) throw new UsageError("status takes no arguments");
  const state = await readStateDir(required(values.state, "state"));
  const interfaceName = required(values.interface, "interface");
  const rows = await readPeerStatus(interfaceName, state, Math.floor(Date.now() / 1000));
  if (values.json) {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(`${interfaceName}: ${describeKind(await linkKind(interfaceName))}\n${formatStatus(rows)}`);
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
      process.stderr.write(`netboot wireguard: unknown command "${[first, first === "peer" ? second : ""].join(" ").trim()}"\n\n${USAGE}\n`);
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
