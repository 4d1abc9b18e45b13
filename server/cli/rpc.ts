/**
 * `netboot rpc …`: a client of the gRPC API for people who used bootcmd.
 * Puts groups, profiles, Ignition and generic files from files, reads and
 * deletes them, lists groups and profiles, and selects by labels.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import type { Command } from "./command.js";
import { flagUsage, UsageError } from "../config/flags.js";
import { parseRpcClientArgs, RPC_CLIENT_FLAGS, type RpcAction, type RpcClientConfig } from "../config/rpc-client-config.js";
import { RpcClient } from "../rpc/client.js";
import type { ServiceName } from "../rpc/definitions.js";
import { groupJson, groupMessage, profileJson, profileMessage, type GroupMessage, type ProfileMessage } from "../rpc/objects.js";
import { loadTlsMaterial } from "../rpc/tls.js";
import { decodeGroup, decodeProfile } from "../store/decode.js";
import { DocumentError, formatOf, parseDocument } from "../store/document.js";
import { formatTable } from "../util/table.js";

const USAGE = `Usage: netboot rpc [flags] COMMAND

Talks to a server's gRPC API (netboot's, or Matchbox's) over mutual TLS.

Commands (bootcmd's create and describe work as put and get):
  group put -f FILE            create or replace a group (JSON or YAML file)
  group get ID | list | delete ID
  profile put -f FILE          create or replace a profile (JSON or YAML file)
  profile get ID | list | delete ID
  ignition put -f FILE [-name NAME]   store a file in ignition/ (default name: the file's base name)
  ignition get NAME | delete NAME     (get prints the stored bytes)
  generic put -f FILE [-name NAME]
  generic get NAME | delete NAME
  select group KEY=VALUE...    the group a machine with these labels gets
  select profile KEY=VALUE...  the profile it gets

Flags (one or two dashes, before or after the command):
${flagUsage(RPC_CLIENT_FLAGS)}
`;

const SERVICES: Record<"group" | "profile" | "ignition" | "generic", { service: ServiceName; prefix: string }> = {
  group: { service: "Groups", prefix: "Group" },
  profile: { service: "Profiles", prefix: "Profile" },
  ignition: { service: "Ignition", prefix: "Ignition" },
  generic: { service: "Generic", prefix: "Generic" },
};

function readDocument<T>(file: string, decode: (document: unknown, file: string) => T): T {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    return decode(parseDocument(text, formatOf(file) ?? "json"), file);
  } catch (err) {
    if (err instanceof DocumentError) throw new UsageError(`${file}${err.pointer ? ` ${err.pointer}` : ""}: ${err.message}`);
    throw err;
  }
}

const selectorText = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(",");

async function perform(client: RpcClient, action: RpcAction, out: (text: string | Buffer) => void): Promise<void> {
  if (action.verb === "select") {
    if (action.kind === "group") {
      const { group } = await client.call<{ group: GroupMessage }>("Select", "SelectGroup", { labels: action.labels });
      out(groupJson(group) + "\n");
    } else {
      const { profile } = await client.call<{ profile: ProfileMessage }>("Select", "SelectProfile", { labels: action.labels });
      out(profileJson(profile) + "\n");
    }
    return;
  }
  const { service, prefix } = SERVICES[action.kind];
  switch (action.verb) {
    case "put": {
      let request: Record<string, unknown>;
      if (action.kind === "group") request = { group: groupMessage(readDocument(action.file, decodeGroup)) };
      else if (action.kind === "profile") request = { profile: profileMessage(readDocument(action.file, decodeProfile)) };
      else {
        let config: Buffer;
        try {
          config = readFileSync(action.file);
        } catch (err) {
          throw new UsageError(`cannot read ${action.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
        request = { name: action.name ?? path.basename(action.file), config };
      }
      await client.call(service, `${prefix}Put`, request);
      return;
    }
    case "delete":
      await client.call(service, `${prefix}Delete`, action.kind === "group" || action.kind === "profile" ? { id: action.id } : { name: action.id });
      return;
    case "get":
      if (action.kind === "group") out(groupJson((await client.call<{ group: GroupMessage }>(service, "GroupGet", { id: action.id })).group) + "\n");
      else if (action.kind === "profile") out(profileJson((await client.call<{ profile: ProfileMessage }>(service, "ProfileGet", { id: action.id })).profile) + "\n");
      else out((await client.call<{ config: Buffer }>(service, `${prefix}Get`, { name: action.id })).config);
      return;
    case "list":
      if (action.kind === "group") {
        const { groups } = await client.call<{ groups: GroupMessage[] }>(service, "GroupList", {});
        out(formatTable([["ID", "NAME", "PROFILE", "SELECTOR"], ...groups.map((g) => [g.id, g.name, g.profile, selectorText(g.selector)])]));
      } else {
        const { profiles } = await client.call<{ profiles: ProfileMessage[] }>(service, "ProfileList", {});
        out(formatTable([["ID", "NAME", "KERNEL", "IGNITION", "GENERIC"], ...profiles.map((p) => [p.id, p.name, p.boot?.kernel ?? "", p.ignition_id, p.generic_id])]));
      }
      return;
  }
}

export const rpcCommand: Command = {
  async run(argv) {
    let config: RpcClientConfig;
    try {
      const request = parseRpcClientArgs(argv);
      if (request.kind === "help") {
        process.stdout.write(USAGE);
        return 0;
      }
      config = request.config;
    } catch (err) {
      if (err instanceof UsageError) {
        process.stderr.write(`netboot rpc: ${err.message}\n\n${USAGE}`);
        return 1;
      }
      throw err;
    }
    // grpc-js names the server in TLS even when the endpoint is an IP address,
    // which Node reports as deprecated on every run: noise for a CLI user.
    process.noDeprecation = true;
    let client: RpcClient | undefined;
    try {
      const tls = loadTlsMaterial(config, { cert: "-cert-file", key: "-key-file", ca: "-ca-file" });
      client = new RpcClient(config.endpoint, tls, config.timeoutMs);
      await perform(client, config.action, (text) => process.stdout.write(text));
      return 0;
    } catch (err) {
      const serviceError = err as Partial<ServiceError>;
      if (typeof serviceError.code === "number" && typeof serviceError.details === "string") {
        process.stderr.write(`netboot rpc: ${status[serviceError.code]}: ${serviceError.details}\n`);
      } else {
        process.stderr.write(`netboot rpc: ${(err as Error).message}\n`);
      }
      return 1;
    } finally {
      client?.close();
    }
  },
};
