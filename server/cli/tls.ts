/**
 * `netboot tls init DIR --server-san NAME...`: the certificates of the gRPC
 * API's mutual TLS, named as Matchbox's scripts/tls/cert-gen names them.
 */
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { Command } from "./command.js";
import { flagReader, flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { writeFileAtomic } from "../util/atomic-write.js";

const FLAGS: FlagSpecs = {
  "server-san": { type: "string", multiple: true, placeholder: "NAME", description: "A DNS name or IP address clients dial (comma-separated lists allowed)" },
  days: { type: "string", default: "730", placeholder: "N", description: "Validity of the server and client certificates, in days" },
  "client-name": { type: "string", default: "netboot-client", placeholder: "NAME", description: "The client certificate's common name" },
  force: { type: "boolean", description: "Replace certificates already in DIR" },
  help: { type: "boolean", description: "Print usage and exit" },
};

const USAGE = `Usage:
  netboot tls init DIR --server-san NAME [--server-san NAME]... [--days 730] [--client-name NAME] [--force]

Writes a CA (ca.crt, ca.key), a server certificate for the gRPC API
(server.crt, server.key) naming every --server-san (DNS names and IP
addresses clients dial: the address in a Terraform provider's endpoint must be
one of them) and a client certificate (client.crt, client.key). Keys are ECDSA
P-256, mode 0600. The CA is valid for 10 years, the others for --days.

  netboot serve -rpc-address 0.0.0.0:8081 -cert-file DIR/server.crt -key-file DIR/server.key -ca-file DIR/ca.crt
  netboot rpc --endpoints HOST:8081 --ca-file DIR/ca.crt --cert-file DIR/client.crt --key-file DIR/client.key group list

Keep ca.key offline: it signs new client certificates.

Flags:
${flagUsage(FLAGS)}`;

const FILES = ["ca.crt", "ca.key", "server.crt", "server.key", "client.crt", "client.key"] as const;

export const tlsCommand: Command = {
  async run(argv) {
    let parsed;
    try {
      parsed = parseFlags(argv, FLAGS);
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`netboot tls: ${err.message}\n\n${USAGE}\n`);
      return 1;
    }
    const { positionals } = parsed;
    const flag = flagReader(parsed.values);
    if (flag.boolean("help")) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    const fail = (message: string) => {
      process.stderr.write(`netboot tls: ${message}\n\n${USAGE}\n`);
      return 1;
    };
    if (positionals[0] !== "init" || positionals.length !== 2) return fail("expected: tls init DIR");
    const dir = positionals[1]!;
    const names = flag.list("server-san").flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
    if (names.length === 0) return fail("--server-san is required: the DNS names and IP addresses clients dial");
    const daysText = flag.string("days")!;
    if (!/^\d+$/.test(daysText) || Number(daysText) < 1) return fail(`--days must be a whole number of days, got "${daysText}"`);
    const existing = FILES.filter((file) => existsSync(path.join(dir, file)));
    if (existing.length > 0 && !flag.boolean("force")) return fail(`${dir} already holds ${existing.join(", ")}: use --force to replace them`);

    // Loaded here: only this command pays for the X.509 library.
    const { createAuthority, issueCertificate } = await import("../rpc/certificates.js");
    const days = Number(daysText);
    const authority = await createAuthority("netboot gRPC API CA");
    const server = await issueCertificate(authority, { name: names[0]!, usage: "server", alternativeNames: names, days });
    const client = await issueCertificate(authority, { name: flag.string("client-name")!, usage: "client", days });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const contents: Record<(typeof FILES)[number], string> = {
      "ca.crt": authority.certificate,
      "ca.key": authority.privateKey,
      "server.crt": server.certificate,
      "server.key": server.privateKey,
      "client.crt": client.certificate,
      "client.key": client.privateKey,
    };
    for (const file of FILES) {
      const mode = file.endsWith(".key") ? 0o600 : 0o644;
      await writeFileAtomic(path.join(dir, file), contents[file], { mode });
    }
    process.stdout.write(`wrote ${FILES.map((f) => path.join(dir, f)).join(", ")}\nserver certificate names: ${names.join(", ")}\n`);
    return 0;
  },
};
