import { parseFlags, type FlagSpecs, type FlagValues, UsageError } from "./flags.js";
import { parseDuration } from "./serve-config.js";

/** bootcmd's flags (one or two dashes, anywhere on the line), plus the file and name of a put. */
export const RPC_CLIENT_FLAGS: FlagSpecs = {
  endpoints: { type: "string", description: "gRPC API address HOST:PORT (bootcmd's flag; of a comma-separated list the first is used) (default \"127.0.0.1:8081\")" },
  endpoint: { type: "string", description: "Same as -endpoints" },
  "ca-file": { type: "string", default: "/etc/matchbox/ca.crt", description: "CA certificate(s) the server's certificate must chain to" },
  "cert-file": { type: "string", default: "/etc/matchbox/client.crt", description: "Client certificate" },
  "key-file": { type: "string", default: "/etc/matchbox/client.key", description: "Client private key" },
  filename: { type: "string", description: "File to put (groups and profiles: JSON or YAML; ignition and generic: any bytes)" },
  f: { type: "string", description: "Same as -filename" },
  name: { type: "string", description: "Name to store an ignition or generic file under (default: the file's base name)" },
  timeout: { type: "string", default: "25s", description: "How long a call may take, connecting included" },
  help: { type: "boolean", default: false, description: "Print usage and exit" },
};

export type RpcKind = "group" | "profile" | "ignition" | "generic";

export type RpcAction =
  | { verb: "put"; kind: RpcKind; file: string; name?: string }
  | { verb: "get" | "delete"; kind: RpcKind; id: string }
  | { verb: "list"; kind: "group" | "profile" }
  | { verb: "select"; kind: "group" | "profile"; labels: Record<string, string> };

export interface RpcClientConfig {
  endpoint: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  timeoutMs: number;
  action: RpcAction;
}

export type RpcClientRequest = { kind: "help" } | { kind: "run"; config: RpcClientConfig };

const KINDS = new Set<string>(["group", "profile", "ignition", "generic"]);
/** bootcmd's verbs map onto netboot's. */
const VERBS: Record<string, "put" | "get" | "delete" | "list"> = { put: "put", create: "put", get: "get", describe: "get", delete: "delete", list: "list" };

/** An endpoint is host:port, as Matchbox's client requires (no scheme, no bare host). */
export function parseEndpoint(text: string): string {
  const first = text.split(",")[0]!.trim();
  if (!/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/.test(first)) throw new UsageError(`invalid endpoint "${first}": want HOST:PORT`);
  return first;
}

function parseAction(words: string[], values: FlagValues): RpcAction {
  const [kind, verbWord, ...rest] = words;
  if (kind === "select") {
    if (verbWord !== "group" && verbWord !== "profile") throw new UsageError("select needs `group` or `profile`, then KEY=VALUE labels");
    const labels: Record<string, string> = {};
    for (const pair of rest) {
      const eq = pair.indexOf("=");
      if (eq <= 0) throw new UsageError(`invalid label "${pair}": want KEY=VALUE`);
      labels[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return { verb: "select", kind: verbWord, labels };
  }
  if (kind === undefined) throw new UsageError("missing command: group, profile, ignition, generic or select");
  if (!KINDS.has(kind)) throw new UsageError(`unknown command "${kind}": use group, profile, ignition, generic or select`);
  const verb = verbWord === undefined ? undefined : VERBS[verbWord];
  if (verb === undefined) throw new UsageError(`${kind} needs one of put, get, list, delete (bootcmd's create and describe work too)`);
  const rpcKind = kind as RpcKind;
  if (verb === "put") {
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    const file = (values.filename ?? values.f) as string | undefined;
    if (!file) throw new UsageError(`${kind} ${verbWord} needs -f FILE`);
    const name = values.name as string | undefined;
    if (name !== undefined && (rpcKind === "group" || rpcKind === "profile")) throw new UsageError(`-name applies to ignition and generic files; a ${kind}'s id is in its file`);
    return { verb, kind: rpcKind, file, ...(name !== undefined ? { name } : {}) };
  }
  if (verb === "list") {
    if (rpcKind !== "group" && rpcKind !== "profile") throw new UsageError(`${kind} files cannot be listed (Matchbox's API has no such call)`);
    if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
    return { verb, kind: rpcKind };
  }
  if (rest.length !== 1) throw new UsageError(`${kind} ${verbWord} needs exactly one ${rpcKind === "group" || rpcKind === "profile" ? "ID" : "NAME"}`);
  return { verb, kind: rpcKind, id: rest[0]! };
}

/** The one place where `netboot rpc`'s command line becomes a config. */
export function parseRpcClientArgs(argv: readonly string[]): RpcClientRequest {
  const { values, positionals } = parseFlags(argv, RPC_CLIENT_FLAGS, {});
  if (values.help) return { kind: "help" };
  return {
    kind: "run",
    config: {
      endpoint: parseEndpoint(((values.endpoint ?? values.endpoints) as string | undefined) ?? "127.0.0.1:8081"),
      caFile: values["ca-file"] as string,
      certFile: values["cert-file"] as string,
      keyFile: values["key-file"] as string,
      timeoutMs: parseDuration(values.timeout as string, "-timeout"),
      action: parseAction(positionals, values),
    },
  };
}
