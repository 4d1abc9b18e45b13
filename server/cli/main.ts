#!/usr/bin/env node
import type { Command } from "./command.js";
import { NETBOOT_VERSION } from "../version.js";
import { exitOnSignalsUntilTakenOver } from "../util/signals.js";

/**
 * Subcommands, loaded on demand so `netboot wireguard status` does not pay for
 * the HTTP server's start-up. Running the binary with only Matchbox flags (no
 * subcommand) means `serve`, so a Matchbox container's `args` keep working.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import("./serve.js")).serveCommand,
  butane: async () => (await import("./butane.js")).butaneCommand,
  wireguard: async () => (await import("./wireguard.js")).wireguardCommand,
  "dhcp-config": async () => (await import("./dhcp-config.js")).dhcpConfigCommand,
  validate: async () => (await import("./validate.js")).validateCommand,
  explain: async () => (await import("./explain.js")).explainCommand,
  machines: async () => (await import("./machines.js")).machinesCommand,
  assets: async () => (await import("./assets.js")).assetsCommand,
};

/** One line per command for `netboot --help` (kept here so help loads no command). */
const SUMMARIES: Record<keyof typeof COMMANDS, string> = {
  serve: "serve a Matchbox data directory over HTTP (the default)",
  validate: "check every file, reference and template of a data directory",
  explain: "show which group and profile a machine gets, and why",
  machines: "list the machines a running server has seen, or one machine's boot timeline",
  butane: "translate a Butane file to Ignition (or check raw Ignition)",
  wireguard: "tunnel keys, router configs, the sidecar (up) and its status",
  "dhcp-config": "print the router's DHCP settings for UEFI HTTP boot and iPXE",
  assets: "OS images declared in sources/: pull, status, add, gc",
};

function usage(): string {
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

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith("-")) {
    if (first === "--help" || first === "-help" || first === "-h") {
      process.stdout.write(usage() + "\n");
      return 0;
    }
    return (await COMMANDS.serve!()).run(argv);
  }
  if (first === "help") {
    process.stdout.write(usage() + "\n");
    return 0;
  }
  const load = COMMANDS[first];
  if (!load) {
    process.stderr.write(`netboot: unknown command "${first}"\n\n${usage()}\n`);
    return 1;
  }
  return (await load()).run(rest);
}

exitOnSignalsUntilTakenOver();
main(process.argv.slice(2)).then(
  (code) => {
    // serve keeps the process alive itself; other commands end here.
    if (code !== undefined && code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`netboot: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
