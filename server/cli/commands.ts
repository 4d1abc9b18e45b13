import type { Command } from "./command.js";
import { NETBOOT_VERSION } from "../version.js";

/**
 * Subcommands, loaded on demand so `netboot wireguard status` does not pay for
 * the HTTP server's start-up. Running the binary with only Matchbox flags (no
 * subcommand) means `serve`, so a Matchbox container's `args` keep working.
 */
export const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./serve.js")).serveCommand,
  butane: async () => (await import("./butane.js")).butaneCommand,
  wireguard: async () => (await import("./wireguard.js")).wireguardCommand,
  "dhcp-config": async () => (await import("./dhcp-config.js")).dhcpConfigCommand,
  validate: async () => (await import("./validate.js")).validateCommand,
  explain: async () => (await import("./explain.js")).explainCommand,
  machines: async () => (await import("./machines.js")).machinesCommand,
  rpc: async () => (await import("./rpc.js")).rpcCommand,
  tls: async () => (await import("./tls.js")).tlsCommand,
  assets: async () => (await import("./assets.js")).assetsCommand,
};

/** One line per command for `netboot --help` (kept here so help loads no command). */
const SUMMARIES: Record<keyof typeof COMMANDS, string> = {
  serve: "serve a Matchbox data directory over HTTP (the default)",
  validate: "check every file, reference and template of a data directory",
  explain: "show which group and profile a machine gets, and why",
  machines: "the machines a server has seen (boot timelines), what they remember from sticky groups; forget",
  butane: "translate a Butane file to Ignition (or check raw Ignition)",
  wireguard: "tunnel keys, router configs, the sidecar (up) and its status",
  "dhcp-config": "print the router's DHCP settings for UEFI HTTP boot and iPXE",
  rpc: "put, get, list, delete and select through the gRPC API (bootcmd's commands)",
  tls: "make the CA, server and client certificates of the gRPC API",
  assets: "OS images declared in sources/: pull, status, add, gc",
};

export function usage(): string {
  const lines = [
    `netboot ${NETBOOT_VERSION}: a Matchbox-compatible network boot server`,
    "",
    "Usage: netboot <command> [flags]     (no command: serve)",
    "",
    "Commands:",
  ];
  for (const [name, summary] of Object.entries(SUMMARIES)) lines.push(`  ${name.padEnd(12)} ${summary}`);
  lines.push("", "Run `netboot <command> --help` for a command's flags.");
  return lines.join("\n");
}
