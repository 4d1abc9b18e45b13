/**
 * `netboot dhcp-config`: print the router DHCP settings that send UEFI HTTP
 * boot firmware to iPXE (`/assets/ipxe.efi`) and iPXE to `/boot.ipxe`.
 */
import type { Command } from "./command.js";
import { flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { DHCP_FORMATS, isDhcpFormat } from "../dhcp/formats.js";
import {
  DhcpInputError,
  type DhcpTarget,
  parseInterface,
  parseRange,
  parseServerUrl,
  parseSubnet,
  rangeInSubnet,
} from "../dhcp/input.js";

const FORMAT_NAMES = Object.keys(DHCP_FORMATS).join("|");

const FLAGS: FlagSpecs = {
  format: { type: "string", placeholder: "FORMAT", description: `The router's software: ${FORMAT_NAMES.replace(/\|/g, ", ")}` },
  "server-url": { type: "string", placeholder: "URL", description: "netboot's URL as the homelab sees it, e.g. http://192.0.2.1:8080" },
  interface: { type: "string", placeholder: "NAME", description: "dnsmasq/kea: LAN interface; routeros: DHCP server name" },
  range: { type: "string", placeholder: "START,END", description: "dynamic pool (dnsmasq, routeros, kea)" },
  subnet: { type: "string", placeholder: "CIDR", description: "LAN prefix (kea; needed with --range)" },
  help: { type: "boolean", description: "Print usage and exit" },
};

const USAGE = `Usage: netboot dhcp-config --format ${FORMAT_NAMES} --server-url http://HOST:PORT
                           [--interface NAME] [--range START,END] [--subnet CIDR]

Prints DHCP settings for a router: UEFI HTTP boot clients (vendor class
HTTPClient) get ${"<server-url>"}/assets/ipxe.efi with option 60 echoed, iPXE
(user class iPXE) gets ${"<server-url>"}/boot.ipxe. See docs/dhcp.md.

Flags:
${flagUsage(FLAGS)}`;

/** Turns command-line flags into a validated target and format; throws DhcpInputError. */
export function parseDhcpConfigArgs(argv: string[]): { format: keyof typeof DHCP_FORMATS; target: DhcpTarget } | "help" {
  let values: { format?: string; "server-url"?: string; interface?: string; range?: string; subnet?: string; help?: boolean };
  try {
    const parsed = parseFlags(argv, FLAGS);
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    values = parsed.values as typeof values;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    throw new DhcpInputError(err.message);
  }
  if (values.help) return "help";
  if (!values.format) throw new DhcpInputError(`--format is required (${FORMAT_NAMES})`);
  if (!isDhcpFormat(values.format)) {
    throw new DhcpInputError(`unknown --format ${JSON.stringify(values.format)} (${FORMAT_NAMES})`);
  }
  if (!values["server-url"]) throw new DhcpInputError("--server-url is required (e.g. http://192.0.2.10:8080)");
  const format = values.format;
  const uses: readonly string[] = DHCP_FORMATS[format].uses;
  for (const flag of ["interface", "range", "subnet"] as const) {
    if (values[flag] !== undefined && !uses.includes(flag)) {
      throw new DhcpInputError(`--${flag} does not apply to --format ${format} (set it in the router's own LAN settings)`);
    }
  }
  const target: DhcpTarget = { serverUrl: parseServerUrl(values["server-url"]) };
  if (values.interface !== undefined) target.interface = parseInterface(values.interface);
  if (values.range !== undefined) target.range = parseRange(values.range);
  if (values.subnet !== undefined) target.subnet = parseSubnet(values.subnet);
  if (format === "kea" && target.range && !target.subnet) {
    throw new DhcpInputError("--format kea needs --subnet CIDR with --range (Kea pools live in a subnet4)");
  }
  if (target.range && target.subnet && !rangeInSubnet(target.range, target.subnet)) {
    throw new DhcpInputError(`--range ${target.range.start},${target.range.end} is not inside --subnet ${target.subnet}`);
  }
  return { format, target };
}

export const dhcpConfigCommand: Command = {
  async run(argv) {
    let parsed;
    try {
      parsed = parseDhcpConfigArgs(argv);
    } catch (err) {
      if (!(err instanceof DhcpInputError)) throw err;
      process.stderr.write(`netboot dhcp-config: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (parsed === "help") {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    process.stdout.write(DHCP_FORMATS[parsed.format].render(parsed.target));
    return 0;
  },
};
