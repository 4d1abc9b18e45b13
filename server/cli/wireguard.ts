/**
 * `netboot wireguard …`: the tunnel between the cloud boot server and the
 * homelab routers. Key and config generation, the sidecar (`up`) and status.
 */
import { fchmodSync, fstatSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "./command.js";
import { closest, flagReader, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { inClusterSettings, wireguardEnvDefaults, wireguardEnvName } from "../config/kube-env.js";
import { KubeApiError, KubeClient, loadBalancerEndpoint } from "../kube/client.js";
import { generateKeyPair } from "../wireguard/keys.js";
import { linkKind, listPeerKeys } from "../wireguard/link.js";
import { DEFAULT_SECRET_NAME } from "../wireguard/manifests.js";
import { parseOutputRequests, writeOutputs, type OutputRequest } from "../wireguard/outputs.js";
import { isRouterFormat, ROUTER_FORMATS, routerConfig } from "../wireguard/router/index.js";
import { initSecretState, secretSource } from "../wireguard/secret-state.js";
import { runSidecar } from "../wireguard/sidecar.js";
import { directorySource, readStateDir, stateDirExists, writeStateDir, type StateSource } from "../wireguard/state-dir.js";
import { directoryStore, secretStore, type StateStore } from "../wireguard/store.js";
import {
  addPeer,
  DEFAULT_KEEPALIVE_SECONDS,
  DEFAULT_LISTEN_PORT,
  DEFAULT_MTU,
  newServerState,
  parseEndpoint,
  removePeer,
  type PeerRecord,
  type WireGuardState,
} from "../wireguard/state.js";
import { readPeerStatus } from "../wireguard/status.js";
import { describeKind, formatPeerList, formatStatus } from "../wireguard/status-view.js";

const USAGE = `Usage:
  netboot wireguard init --state DIR --endpoint HOST:PORT --tunnel CIDR [--listen-port ${DEFAULT_LISTEN_PORT}] [--mtu ${DEFAULT_MTU}]
                         [--output secret|values[=FILE]]... [--secret-name ${DEFAULT_SECRET_NAME}]
  netboot wireguard peer add NAME (--state DIR | --secret NAME) --lan CIDR [--lan CIDR]... [--endpoint HOST:PORT]
                         [--format ${ROUTER_FORMATS.join("|")}] [--keepalive ${DEFAULT_KEEPALIVE_SECONDS}] [--output KIND=FILE]...
  netboot wireguard peer list (--state DIR | --secret NAME) [--json]
  netboot wireguard peer remove NAME (--state DIR | --secret NAME) [--output …]
  netboot wireguard up (--state DIR | --secret NAME --tunnel CIDR [--mtu ${DEFAULT_MTU}] [--endpoint HOST:PORT])
                       --interface NAME [--listen-port PORT] [--clamp-mss] [--allow-port PORT]... [--forward]
                       [--userspace] [--poll-interval 5] [--status-file FILE]
  netboot wireguard status (--state DIR | --secret NAME) --interface NAME [--json]

DIR holds the server's key and peers (private-key, server.json, peers.json).
In a pod, --secret NAME keeps the same files in a Kubernetes Secret, read and
written through the API with the pod's service account: \`up\` fills an empty
Secret with a new key at first start, and \`peer add\` there finds the
endpoint from the LoadBalancer Service (--service). --secret, --service,
--endpoint and --interface default to NETBOOT_WIREGUARD_SECRET, _SERVICE,
_ENDPOINT and _INTERFACE, which the chart sets in the sidecar.
--output secret writes a Kubernetes Secret of DIR, --output values Helm values
for the chart (to stdout, or to FILE with KIND=FILE). Router configs go to
stdout and hold the router's private key: it is not stored anywhere else.`;

const OUTPUT_OPTIONS: FlagSpecs = {
  output: { type: "string", multiple: true, description: "secret|values[=FILE]" },
  "secret-name": { type: "string", default: DEFAULT_SECRET_NAME, description: "The Secret's name" },
};

const str = (description: string): FlagSpecs[string] => ({ type: "string", description });
const bool = (description: string): FlagSpecs[string] => ({ type: "boolean", description });

function parse(argv: string[], specs: FlagSpecs) {
  const { values, positionals } = parseFlags(argv, { ...specs, help: bool("Print usage and exit") });
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

async function init(argv: string[]): Promise<number> {
  const { flag } = parse(argv, {
    state: str("The state directory"),
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

const STORE_OPTIONS: FlagSpecs = {
  state: str("The state directory"),
  secret: str("The Kubernetes Secret holding the state (in the pod)"),
};

/** The Kubernetes API client of the pod this runs in. */
function podClient(): KubeClient {
  const settings = inClusterSettings(process.env);
  if (!settings) throw new UsageError("--secret needs the Kubernetes API: run it in the pod (kubectl exec … -c wireguard --)");
  return KubeClient.inCluster(settings);
}

/** --state DIR, else --secret NAME (or NETBOOT_WIREGUARD_SECRET in the sidecar). */
function openStore(values: { state?: string | undefined; secret?: string | undefined }): { store: StateStore; client?: KubeClient } {
  if (values.state !== undefined && values.secret !== undefined) throw new UsageError("give --state or --secret, not both");
  if (values.state !== undefined) return { store: directoryStore(required(values.state, "state")) };
  const secret = values.secret ?? wireguardEnvDefaults(process.env).secret;
  if (secret === undefined) throw new UsageError(`--state is required (or --secret NAME in a pod, default ${wireguardEnvName("secret")})`);
  const client = podClient();
  return { store: secretStore(client, secret), client };
}

/**
 * The endpoint for a router's config: --endpoint, else (in a pod) the chart's
 * override, then the LoadBalancer Service's address; last the state's own.
 */
async function routerEndpoint(flag: string | undefined, client: KubeClient | undefined, serviceFlag: string | undefined, state: WireGuardState): Promise<string> {
  if (flag !== undefined) return flag;
  const env = wireguardEnvDefaults(process.env);
  if (client && env.endpoint !== undefined) {
    parseEndpoint(env.endpoint);
    return env.endpoint;
  }
  const service = serviceFlag ?? env.service;
  let pending = "";
  if (client && service !== undefined) {
    const found = loadBalancerEndpoint(await client.getService(service));
    if (found !== undefined) return found;
    pending = ` (Service ${service} has no load balancer address yet: \`kubectl get service ${service} -w\`)`;
  }
  if (state.server.endpoint !== undefined) return state.server.endpoint;
  throw new Error(`no endpoint known for the router to dial${pending}; pass --endpoint HOST:PORT`);
}

/** Waits until the running sidecar has the peer on its interface. */
async function waitApplied(interfaceName: string, publicKey: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await listPeerKeys(interfaceName)).includes(publicKey)) return true;
    } catch {
      // the interface may be missing for a moment (sidecar restarting)
    }
    await sleep(500);
  }
  return false;
}

async function peerAdd(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, {
    ...STORE_OPTIONS,
    service: str("The WireGuard LoadBalancer Service whose address routers dial"),
    interface: str("The WireGuard interface"),
    lan: { type: "string", multiple: true, description: "A network behind the router" },
    endpoint: str("HOST:PORT of the server, if not the state's"),
    format: { type: "string", default: "wg-quick", description: "Router config format" },
    keepalive: str("Persistent keepalive seconds"),
    ...OUTPUT_OPTIONS,
  });
  if (flag.boolean("help")) return help();
  if (positionals.length !== 1) throw new UsageError("peer add takes exactly one NAME");
  const name = positionals[0]!;
  const lan = flag.list("lan");
  if (lan.length === 0) throw new UsageError("--lan is required (the network that boots, e.g. 198.51.100.0/24)");
  const format = flag.string("format")!;
  if (!isRouterFormat(format)) throw new UsageError(`--format must be one of ${ROUTER_FORMATS.join(", ")}`);
  if (flag.string("endpoint") !== undefined) parseEndpoint(flag.string("endpoint")!);
  const keepaliveSeconds = integerFlag(flag.string("keepalive"), "keepalive", DEFAULT_KEEPALIVE_SECONDS);
  if (keepaliveSeconds < 1 || keepaliveSeconds > 65535) throw new UsageError("--keepalive must be 1-65535 seconds");
  const outputs = outputRequests(flag.list("output"), { stdoutTaken: "the router's config" });
  const { store, client } = openStore({ state: flag.string("state"), secret: flag.string("secret") });
  if (client && outputs.length) throw new UsageError("--output writes files from a state directory; with --secret the Secret is the state");

  try {
    const keys = await generateKeyPair();
    // The endpoint is settled before anything is stored: a stored peer whose config was never printed is lost.
    const endpoint = await routerEndpoint(flag.string("endpoint"), client, flag.string("service"), await store.read());
    let peer: PeerRecord | undefined;
    const state = await store.update((current) => {
      const added = addPeer(current, { name, publicKey: keys.publicKey, lan });
      peer = added.peer;
      return added.state;
    });
    const config = routerConfig(format, {
      peerName: peer!.name,
      privateKey: keys.privateKey,
      address: peer!.address,
      lan: peer!.lan,
      serverPublicKey: state.server.publicKey,
      endpoint,
      serverAddress: state.server.address,
      mtu: state.server.mtu,
      keepaliveSeconds,
    });
    note(`added peer "${peer!.name}" at ${peer!.address} for ${peer!.lan.join(", ")} to ${store.label}; its ${format} config (with its private key, dialling ${endpoint}) is on stdout`);
    await exportOutputs(state, outputs, flag.string("secret-name")!);
    writeSecretOutput(config);
    const interfaceName = flag.string("interface") ?? (client ? wireguardEnvDefaults(process.env).interface : undefined);
    if (client && interfaceName !== undefined) {
      note((await waitApplied(interfaceName, keys.publicKey, 30_000))
        ? `applied live on ${interfaceName}; other routers' tunnels were not touched`
        : `not on ${interfaceName} after 30 s: the sidecar applies the Secret on its next poll (see its log)`);
    }
    return 0;
  } finally {
    await client?.close();
  }
}

async function peerList(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, { ...STORE_OPTIONS, json: bool("Print JSON") });
  if (flag.boolean("help")) return help();
  if (positionals.length) throw new UsageError("peer list takes no arguments");
  const { store, client } = openStore({ state: flag.string("state"), secret: flag.string("secret") });
  try {
    const state = await store.read();
    process.stdout.write(flag.boolean("json") ? `${JSON.stringify(state.peers, null, 2)}\n` : formatPeerList(state.peers));
    return 0;
  } finally {
    await client?.close();
  }
}

async function peerRemove(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, { ...STORE_OPTIONS, ...OUTPUT_OPTIONS });
  if (flag.boolean("help")) return help();
  if (positionals.length !== 1) throw new UsageError("peer remove takes exactly one NAME");
  const outputs = outputRequests(flag.list("output"));
  const { store, client } = openStore({ state: flag.string("state"), secret: flag.string("secret") });
  if (client && outputs.length) throw new UsageError("--output writes files from a state directory; with --secret the Secret is the state");
  try {
    const state = await store.update((current) => removePeer(current, positionals[0]!));
    note(`removed peer "${positionals[0]}" from ${store.label}`);
    const manifest = await exportOutputs(state, outputs, flag.string("secret-name")!);
    if (manifest !== null) writeSecretOutput(manifest);
    return 0;
  } finally {
    await client?.close();
  }
}

/** Calls `fn` until it succeeds or `timeoutMs` passes; an API answer other than 5xx/429 is final. */
async function untilReachable<T>(what: string, fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 500;
  let said = "";
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      const retriable = !(err instanceof KubeApiError) || err.status >= 500 || err.status === 429;
      if (!retriable || Date.now() + delay > deadline) throw err;
      const message = (err as Error).message;
      if (message !== said) note(`${what}: ${message}; retrying`);
      said = message;
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

/**
 * The sidecar's state from a Secret: the stored one, or at first start (an
 * empty Secret) a new key pair and the tunnel given by flags, stored at once
 * so a restarted or second pod uses the same key.
 */
async function secretStateSource(
  client: KubeClient,
  name: string,
  init: { tunnel?: string; mtu: number; listenPort?: number; endpoint?: string; service?: string },
): Promise<StateSource> {
  const { state, created } = await untilReachable(
    `reading Secret ${name}`,
    () =>
      initSecretState(client, name, async () => {
        if (init.tunnel === undefined) throw new UsageError(`Secret ${name} is empty: --tunnel CIDR is needed to make the first key`);
        let endpoint = init.endpoint;
        if (endpoint === undefined && init.service !== undefined) {
          endpoint = loadBalancerEndpoint(await client.getService(init.service));
        }
        const keys = await generateKeyPair();
        return newServerState({ ...keys, tunnel: init.tunnel, mtu: init.mtu, ...(init.listenPort ? { listenPort: init.listenPort } : {}), ...(endpoint ? { endpoint } : {}) });
      }),
    60_000,
  );
  if (created) {
    note(`Secret ${name} was empty: stored a new server key (public ${state.server.publicKey}), address ${state.server.address} in ${state.server.tunnel}`);
  } else if (init.tunnel !== undefined && init.tunnel !== state.server.tunnel) {
    note(`Secret ${name} holds tunnel ${state.server.tunnel}, not --tunnel ${init.tunnel}: the stored one is used (set the chart's wireguard.tunnel to match, so the server URL it derives is right)`);
  }
  return secretSource(client, name);
}

async function up(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, {
    ...STORE_OPTIONS,
    tunnel: str("The tunnel's address block (first start from an empty Secret)"),
    mtu: str("Tunnel MTU (first start)"),
    endpoint: str("HOST:PORT the routers dial (first start)"),
    service: str("The WireGuard LoadBalancer Service (first start)"),
    interface: str("The WireGuard interface"),
    "listen-port": str("UDP port, if not the state's"),
    "clamp-mss": bool("Clamp the TCP MSS of forwarded connections"),
    "allow-port": { type: "string", multiple: true, description: "A TCP port the tunnel may reach (others are dropped)" },
    forward: bool("Forward between the tunnel and the pod"),
    userspace: bool("Use wireguard-go even where kernel WireGuard exists"),
    "poll-interval": str("Seconds between state checks"),
    "status-file": str("Where to write the peers' status"),
  });
  if (flag.boolean("help")) return help();
  if (positionals.length) throw new UsageError("up takes no arguments");
  const interfaceName = required(flag.string("interface"), "interface");
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(interfaceName)) throw new UsageError("--interface must be a Linux interface name (1-15 characters)");
  const pollSeconds = integerFlag(flag.string("poll-interval"), "poll-interval", 5);
  if (pollSeconds < 1) throw new UsageError("--poll-interval must be at least 1 second");
  const listenPort = flag.string("listen-port") === undefined ? undefined : integerFlag(flag.string("listen-port"), "listen-port", 0);
  if (listenPort !== undefined && (listenPort < 1 || listenPort > 65535)) throw new UsageError("--listen-port must be 1-65535");
  const allowTcpPorts = flag.list("allow-port").map((p) => integerFlag(p, "allow-port", 0));
  if (allowTcpPorts.some((p) => p < 1 || p > 65535)) throw new UsageError("--allow-port must be 1-65535");
  const mtu = integerFlag(flag.string("mtu"), "mtu", DEFAULT_MTU);
  const values = { state: flag.string("state"), secret: flag.string("secret"), tunnel: flag.string("tunnel"), endpoint: flag.string("endpoint"), service: flag.string("service") };
  if (values.endpoint !== undefined) parseEndpoint(values.endpoint);
  if (values.state !== undefined && values.secret !== undefined) throw new UsageError("give --state or --secret, not both");

  let client: KubeClient | undefined;
  let source: StateSource;
  if (values.state !== undefined) {
    source = directorySource(required(values.state, "state"));
  } else {
    const env = wireguardEnvDefaults(process.env);
    const secret = required(values.secret ?? env.secret, "state (or --secret)");
    const service = values.service ?? env.service;
    client = podClient();
    source = await secretStateSource(client, secret, {
      ...(values.tunnel === undefined ? {} : { tunnel: values.tunnel }),
      mtu,
      ...(listenPort === undefined ? {} : { listenPort }),
      ...((values.endpoint ?? env.endpoint) === undefined ? {} : { endpoint: (values.endpoint ?? env.endpoint)! }),
      ...(service === undefined ? {} : { service }),
    });
  }
  try {
    return await runSidecar({
      source,
      interfaceName,
      ...(listenPort === undefined ? {} : { listenPort }),
      clampMss: flag.boolean("clamp-mss"),
      ...(allowTcpPorts.length ? { allowTcpPorts } : {}),
      forward: flag.boolean("forward"),
      userspace: flag.boolean("userspace"),
      pollIntervalMs: pollSeconds * 1000,
      ...(flag.string("status-file") ? { statusFile: flag.string("status-file")! } : {}),
      log: note,
    });
  } finally {
    await client?.close();
  }
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
  `kubectl -n netboot exec deploy/netboot -c wireguard -- netboot wireguard status --interface ${interfaceName}\n` +
  `or as root on the host where \`netboot wireguard up\` created it.`;

async function status(argv: string[]): Promise<number> {
  const { flag, positionals } = parse(argv, { ...STORE_OPTIONS, interface: str("The WireGuard interface"), json: bool("Print JSON") });
  if (flag.boolean("help")) return help();
  if (positionals.length) throw new UsageError("status takes no arguments");
  const interfaceName = required(flag.string("interface") ?? wireguardEnvDefaults(process.env).interface, "interface");
  const { store, client } = openStore({ state: flag.string("state"), secret: flag.string("secret") });
  try {
    const state = await store.read();
    let rows;
    try {
      rows = await readPeerStatus(interfaceName, state, Math.floor(Date.now() / 1000));
    } catch (err) {
      throw new Error(`cannot read WireGuard interface ${interfaceName}: ${wgFailure(err)}\n${WHERE_STATUS_RUNS(interfaceName)}`);
    }
    if (flag.boolean("json")) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`${interfaceName}: ${describeKind(await linkKind(interfaceName))}\n${formatStatus(rows)}`);
    return 0;
  } finally {
    await client?.close();
  }
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
