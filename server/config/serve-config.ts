import { statSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import path from "node:path";
import { readApiTokenSync } from "./api-token.js";
import { parseFlags, type FlagSpecs, type FlagValues, UsageError } from "./flags.js";

/** Matchbox's flags (same names, defaults and MATCHBOX_* variables), plus netboot's own. */
export const SERVE_FLAGS: FlagSpecs = {
  address: { type: "string", default: "127.0.0.1:8080", env: true, description: "HTTP listen address" },
  "data-path": { type: "string", default: "/var/lib/matchbox", env: true, description: "Path to the data directory (groups/, profiles/, ignition/, generic/, cloud/)" },
  "assets-path": { type: "string", default: "/var/lib/matchbox/assets", env: true, description: "Path to static assets served at /assets/ ('' disables them)" },
  "log-level": { type: "string", default: "info", env: true, description: "Log level: panic, fatal, error, warn, warning, info, debug, trace" },
  "rpc-address": { type: "string", default: "", env: true, description: "gRPC API listen address, mutual TLS only ('' disables the API)" },
  "cert-file": { type: "string", default: "/etc/matchbox/server.crt", env: true, description: "gRPC API server certificate (PEM)" },
  "key-file": { type: "string", default: "/etc/matchbox/server.key", env: true, description: "gRPC API server private key (PEM)" },
  "ca-file": { type: "string", default: "/etc/matchbox/ca.crt", env: true, description: "CA certificates (PEM) that client certificates of the gRPC API must chain to" },
  "web-ssl": { type: "boolean", default: false, env: true, description: "Serve HTTPS instead of HTTP" },
  "web-cert-file": { type: "string", default: "/etc/matchbox/ssl/server.crt", env: true, description: "HTTPS certificate" },
  "web-key-file": { type: "string", default: "/etc/matchbox/ssl/server.key", env: true, description: "HTTPS private key" },
  "key-ring-path": { type: "string", default: "", env: true, description: "OpenPGP key ring for signatures (not supported by netboot)" },
  "server-url": { type: "string", default: "", env: true, description: "URL machines use to reach this server (e.g. http://10.77.0.1:8080): replaces the placeholder origin http://netboot.example.internal:8080 wherever profiles and templates name it; files without it are served unchanged" },
  "debug-address": {
    type: "string",
    default: "",
    env: true,
    description:
      "Where the read-only views (/explain, /machines, /metrics) are served: HOST:PORT for a listener of their own, 'main' for the main listener, 'off' for nowhere; unset: the main listener when -address is a loopback address, else nowhere",
  },
  "record-query-values": {
    type: "boolean",
    default: false,
    env: true,
    description: "Keep every query value of the requests in the boot timeline (/machines); by default only mac, uuid, arch and os values are kept and the others read ***",
  },
  "max-connections": {
    type: "string",
    default: "",
    env: true,
    description: "Most client connections open at once on the main listener (when full, the longest-idle one is closed for a new one); unset: derived from the open-files limit (RLIMIT_NOFILE)",
  },
  "wireguard-status-file": { type: "string", default: "", env: true, description: "Status file written by the WireGuard sidecar (`netboot wireguard up --status-file`) whose peers /metrics reports; preferred over -wireguard-interface in a pod, where netboot cannot read the interface" },
  "wireguard-interface": { type: "string", default: "", env: true, description: "WireGuard interface whose peers /metrics reports (read with `wg show <interface> dump`; '' disables)" },
  "state-path": { type: "string", default: "", env: true, description: "Directory where machines remember the labels of sticky groups (one small file per MAC); '' keeps no state, and matching is exactly Matchbox's" },
  "state-max-machines": { type: "string", default: "10000", env: true, description: "Most machines -state-path remembers; a new machine beyond it is refused (logged and counted), none is evicted" },
  "api-token-file": { type: "string", default: "", env: true, description: "File holding the bearer token of the write API (DELETE /machines/<mac>/state, served where the read-only views are); '' turns the write API off" },
  "assets-cache-max-bytes": {
    type: "string",
    default: "",
    env: true,
    description: "Most bytes the declared OS image files (sources/) may take in the assets folder, downloads included, e.g. 20GiB; a fetch that would exceed it fails with 507; unset: no budget",
  },
  "shutdown-grace": { type: "string", default: "30s", env: true, description: "How long SIGTERM waits for in-flight requests (e.g. 30s, 500ms); a second signal stops at once" },
  version: { type: "boolean", default: false, env: true, description: "Print the version and exit" },
  help: { type: "boolean", default: false, env: true, description: "Print usage and exit" },
};

export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace";

/** Matchbox's (logrus) level names → pino's. */
const LOG_LEVELS: Record<string, LogLevel> = {
  panic: "fatal",
  fatal: "fatal",
  error: "error",
  warn: "warn",
  warning: "warn",
  info: "info",
  debug: "debug",
  trace: "trace",
};

export interface ListenAddress {
  host: string;
  port: number;
}

export interface ServeConfig {
  listen: ListenAddress;
  dataPath: string;
  /** undefined: assets disabled. */
  assetsPath: string | undefined;
  logLevel: LogLevel;
  tls: { certFile: string; keyFile: string } | undefined;
  /** "main": on the main listener; "off": disabled; else a separate listener. */
  debugViews: "main" | "off" | ListenAddress;
  /** Keep every query value in the boot timeline (default: only the identifying ones). */
  recordQueryValues?: boolean;
  /** Budget of the OS image cache in the assets folder (bytes); undefined: none. */
  assetsCacheMaxBytes?: number;
  /** Most client connections open at once on the main listener; undefined: derived from the open-files limit. */
  maxConnections?: number;
  shutdownGraceMs: number;
  /** Replaces the placeholder origin in the data (-server-url), when set. */
  serverUrl?: string;
  /** Matchbox's gRPC API, when -rpc-address is set. */
  rpc?: { listen: ListenAddress; certFile: string; keyFile: string; caFile: string };
  /** WireGuard interface whose peers /metrics reports, when set. */
  wireguardInterface?: string;
  wireguardStatusFile?: string;
  /** Machine state (sticky groups), when -state-path is set. */
  state?: { path: string; maxMachines: number };
  /** The write API's bearer token file, when set (read again for each request). */
  apiTokenFile?: string;
  /** Matchbox features netboot accepts but does not serve, to warn about at start. */
  unsupported: string[];
}

export type ServeRequest = { kind: "help" } | { kind: "version" } | { kind: "serve"; config: ServeConfig };

export function parseListenAddress(text: string, flag: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text);
  if (!match) throw new UsageError(`invalid ${flag} "${text}": want HOST:PORT`);
  const port = Number(match[3]);
  if (port > 65535) throw new UsageError(`invalid ${flag} "${text}": port out of range`);
  const host = match[1] ?? match[2] ?? "";
  return { host: host === "" ? "0.0.0.0" : host, port };
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, k: 2 ** 10, kib: 2 ** 10, kb: 1e3, m: 2 ** 20, mib: 2 ** 20, mb: 1e6, g: 2 ** 30, gib: 2 ** 30, gb: 1e9, t: 2 ** 40, tib: 2 ** 40, tb: 1e12 };

/** A byte count: a number with an optional unit (K, M, G, T binary; KB, MB, GB, TB decimal; KiB… binary). */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text.trim());
  const factor = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || factor === undefined) throw new UsageError(`invalid ${flag} "${text}": want a size such as 20GiB, 500M or 1073741824`);
  return Math.floor(Number(match[1]) * factor);
}

export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text);
  if (!match) throw new UsageError(`invalid ${flag} "${text}": want a duration such as 30s or 500ms`);
  const factor = { ms: 1, s: 1000, m: 60_000 }[match[2] as "ms" | "s" | "m"];
  return Number(match[1]) * factor;
}

/** Whether a listen host is reachable only from this machine (or pod). */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIPv4(host)) return host.startsWith("127.");
  if (isIPv6(host)) return host === "::1" || /^::ffff:127\./i.test(host);
  return false;
}

/**
 * A URL for -server-url: http or https, a host, an optional port and path,
 * nothing else (it is spliced into kernel command lines and templates).
 * A trailing slash is dropped, since the placeholder has none.
 */
export function parseServerUrl(text: string): string {
  const refuse = (why: string) => new UsageError(`invalid -server-url "${text}": ${why}`);
  if (!/^https?:\/\/[^\s"'{}<>\\^`|]+$/.test(text)) throw refuse("want http://HOST[:PORT][/PATH] without spaces, quotes or braces");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse("not a URL");
  }
  if (url.search || url.hash || text.includes("?") || text.includes("#")) throw refuse("no query or fragment");
  if (url.username || url.password) throw refuse("no user or password");
  return text.replace(/\/+$/, "");
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** -rpc-address and its TLS files: each must exist, as Matchbox checks at start. */
function parseRpc(values: FlagValues): ServeConfig["rpc"] {
  const address = values["rpc-address"] as string;
  if (address === "") return undefined;
  const listen = parseListenAddress(address, "-rpc-address");
  const http = parseListenAddress(values.address as string, "-address");
  if (listen.port !== 0 && listen.port === http.port && (listen.host === http.host || listen.host === "0.0.0.0" || http.host === "0.0.0.0")) {
    throw new UsageError(`-rpc-address ${address} must differ from -address: the gRPC API is never served on the HTTP port`);
  }
  const files = {
    certFile: values["cert-file"] as string,
    keyFile: values["key-file"] as string,
    caFile: values["ca-file"] as string,
  };
  const checks = [
    [files.certFile, "Provide a valid TLS server certificate with -cert-file"],
    [files.keyFile, "Provide a valid TLS server key with -key-file"],
    [files.caFile, "Provide a valid TLS certificate authority for authorizing client certificates with -ca-file"],
  ] as const;
  for (const [file, message] of checks) {
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      // reported below
    }
    if (!isFile) throw new UsageError(`${message}: ${file} is not a readable file`);
  }
  return { listen, ...files };
}

/** The one place where `netboot serve`'s command line and environment become a Config. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeRequest {
  const { values, positionals } = parseFlags(argv, SERVE_FLAGS, env);
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);

  const dataPath = values["data-path"] as string;
  if (!isDirectory(dataPath)) throw new UsageError(`A valid -data-path is required: ${dataPath} is not a directory`);
  const assetsFlag = values["assets-path"] as string;
  if (assetsFlag !== "" && !isDirectory(assetsFlag)) {
    throw new UsageError(`Provide a valid -assets-path or '' to disable asset serving: ${assetsFlag}`);
  }
  const level = LOG_LEVELS[values["log-level"] as string];
  if (!level) throw new UsageError(`invalid -log-level "${values["log-level"]}": use one of ${Object.keys(LOG_LEVELS).join(", ")}`);

  let tls: ServeConfig["tls"];
  if (values["web-ssl"]) {
    const certFile = values["web-cert-file"] as string;
    const keyFile = values["web-key-file"] as string;
    for (const [flag, file] of [["-web-cert-file", certFile], ["-web-key-file", keyFile]] as const) {
      try {
        statSync(file);
      } catch {
        throw new UsageError(`-web-ssl needs ${flag}: cannot read ${file}`);
      }
    }
    tls = { certFile, keyFile };
  }

  const listen = parseListenAddress(values.address as string, "-address");
  const debugFlag = values["debug-address"] as string;
  // The views name every machine that booted and the requests it sent: on a boot network anyone could read them.
  const debugViews: ServeConfig["debugViews"] =
    debugFlag === "" ? (isLoopback(listen.host) ? "main" : "off") : debugFlag === "main" || debugFlag === "off" ? debugFlag : parseListenAddress(debugFlag, "-debug-address");
  const maxConnectionsFlag = values["max-connections"] as string;
  let maxConnections: number | undefined;
  if (maxConnectionsFlag !== "") {
    maxConnections = Number(maxConnectionsFlag);
    if (!/^\d+$/.test(maxConnectionsFlag) || maxConnections < 1) throw new UsageError(`invalid -max-connections "${maxConnectionsFlag}": want a number of connections, at least 1`);
  }

  const statePath = values["state-path"] as string;
  if (statePath !== "" && assetsFlag !== "") {
    const inside = path.relative(path.resolve(assetsFlag), path.resolve(statePath));
    if (!inside.startsWith("..") && !path.isAbsolute(inside)) throw new UsageError(`-state-path ${statePath} is inside -assets-path: machine state would be served under /assets/`);
  }
  const maxMachinesText = values["state-max-machines"] as string;
  const maxMachines = Number(maxMachinesText);
  if (!/^\d+$/.test(maxMachinesText) || maxMachines < 1) throw new UsageError(`invalid -state-max-machines "${maxMachinesText}": want a whole number of at least 1`);
  const apiTokenFile = values["api-token-file"] as string;
  if (apiTokenFile !== "") {
    try {
      readApiTokenSync(apiTokenFile);
    } catch (err) {
      throw new UsageError(`-api-token-file: ${(err as Error).message}`);
    }
  }

  const rpc = parseRpc(values);
  const unsupported: string[] = [];
  if (values["key-ring-path"]) unsupported.push("-key-ring-path (OpenPGP signatures of responses)");

  return {
    kind: "serve",
    config: {
      listen,
      dataPath: path.resolve(dataPath),
      assetsPath: assetsFlag === "" ? undefined : path.resolve(assetsFlag),
      logLevel: level,
      tls,
      debugViews,
      recordQueryValues: values["record-query-values"] as boolean,
      ...(maxConnections === undefined ? {} : { maxConnections }),
      ...(values["assets-cache-max-bytes"] ? { assetsCacheMaxBytes: parseByteSize(values["assets-cache-max-bytes"] as string, "-assets-cache-max-bytes") } : {}),
      shutdownGraceMs: parseDuration(values["shutdown-grace"] as string, "-shutdown-grace"),
      ...(values["server-url"] ? { serverUrl: parseServerUrl(values["server-url"] as string) } : {}),
      ...(rpc ? { rpc } : {}),
      ...(values["wireguard-interface"] ? { wireguardInterface: values["wireguard-interface"] as string } : {}),
      ...(values["wireguard-status-file"] ? { wireguardStatusFile: path.resolve(values["wireguard-status-file"] as string) } : {}),
      ...(statePath !== "" ? { state: { path: path.resolve(statePath), maxMachines } } : {}),
      ...(apiTokenFile !== "" ? { apiTokenFile: path.resolve(apiTokenFile) } : {}),
      unsupported,
    },
  };
}
