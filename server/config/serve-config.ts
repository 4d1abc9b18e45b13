import { statSync } from "node:fs";
import { isIPv4, isIPv6 } from "node:net";
import path from "node:path";
import { parseFlags, type FlagSpecs, UsageError } from "./flags.js";

/** Matchbox's flags (same names, defaults and MATCHBOX_* variables), plus netboot's own. */
export const SERVE_FLAGS: FlagSpecs = {
  address: { type: "string", default: "127.0.0.1:8080", env: true, description: "HTTP listen address" },
  "data-path": { type: "string", default: "/var/lib/matchbox", env: true, description: "Path to the data directory (groups/, profiles/, ignition/, generic/, cloud/)" },
  "assets-path": { type: "string", default: "/var/lib/matchbox/assets", env: true, description: "Path to static assets served at /assets/ ('' disables them)" },
  "log-level": { type: "string", default: "info", env: true, description: "Log level: panic, fatal, error, warn, warning, info, debug, trace" },
  "rpc-address": { type: "string", default: "", env: true, description: "gRPC listen address (not served by netboot: manage the data directory's files instead)" },
  "cert-file": { type: "string", default: "/etc/matchbox/server.crt", env: true, description: "gRPC server certificate (accepted for compatibility)" },
  "key-file": { type: "string", default: "/etc/matchbox/server.key", env: true, description: "gRPC server private key (accepted for compatibility)" },
  "ca-file": { type: "string", default: "/etc/matchbox/ca.crt", env: true, description: "gRPC client CA (accepted for compatibility)" },
  "web-ssl": { type: "boolean", default: false, env: true, description: "Serve HTTPS instead of HTTP" },
  "web-cert-file": { type: "string", default: "/etc/matchbox/ssl/server.crt", env: true, description: "HTTPS certificate" },
  "web-key-file": { type: "string", default: "/etc/matchbox/ssl/server.key", env: true, description: "HTTPS private key" },
  "key-ring-path": { type: "string", default: "", env: true, description: "OpenPGP key ring for signatures (not supported by netboot)" },
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
  "assets-cache-max-bytes": {
    type: "string",
    default: "",
    env: true,
    description: "Most bytes the declared OS image files (sources/) may take in the assets folder, downloads included, e.g. 20GiB; a fetch that would exceed it fails with 507; unset: no budget",
  },
  "shutdown-grace": { type: "string", default: "30s", env: true, description: "How long SIGTERM waits for in-flight requests (e.g. 30s, 500ms)" },
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
  /** WireGuard interface whose peers /metrics reports, when set. */
  wireguardInterface?: string;
  wireguardStatusFile?: string;
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

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
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

  const unsupported: string[] = [];
  if (values["rpc-address"]) unsupported.push("-rpc-address (Matchbox's gRPC API): manage the data directory's files instead");
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
      ...(values["wireguard-interface"] ? { wireguardInterface: values["wireguard-interface"] as string } : {}),
      ...(values["wireguard-status-file"] ? { wireguardStatusFile: path.resolve(values["wireguard-status-file"] as string) } : {}),
      unsupported,
    },
  };
}
