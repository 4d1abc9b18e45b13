import type { Command } from "./command.js";
import { flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import type { MachineSummary, MachineTimeline } from "../observe/timeline.js";
import { getView, viewUrl, VIEWS_ELSEWHERE } from "./remote.js";

const FLAGS: FlagSpecs = {
  server: { type: "string", default: "http://127.0.0.1:8080", placeholder: "URL", description: "The server (or its -debug-address listener)" },
  json: { type: "boolean", default: false, description: "Print JSON" },
  help: { type: "boolean", default: false, description: "Print usage and exit" },
};

const USAGE = `Usage: netboot machines [--server URL] [MAC|UUID] [--json]

Without an argument: the machines the server saw boot, most recent first,
with their last stage. With a MAC or UUID: that machine's boot timeline
(boot script, iPXE script, kernel and initrd with bytes and time, Ignition,
metadata). The record is in the server's memory: a restart empties it.

Flags:
${flagUsage(FLAGS)}
`;

/** Rows as aligned columns, two spaces apart. */
export function formatTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd());
}

const table = (rows: string[][]) => formatTable(rows).join("\n") + "\n";

export function formatMachines(machines: readonly MachineSummary[]): string {
  if (machines.length === 0) return "no boots recorded yet\n";
  const rows = [["MACHINE", "LAST SEEN", "LAST STAGE", "STATUS", "GROUP", "PROFILE", "ADDRESS"]];
  for (const m of machines) rows.push([m.id, m.lastSeen, m.lastStage, String(m.lastStatus), m.group ?? "-", m.profile ?? "-", m.remoteAddress]);
  return table(rows);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function formatTimeline(m: MachineTimeline): string {
  const head = `machine ${m.id}${m.uuid && m.mac ? ` (uuid ${m.uuid})` : ""}: group ${m.group ?? "-"}, profile ${m.profile ?? "-"}\n\n`;
  const rows = [["TIME", "STAGE", "STATUS", "BYTES", "MS", "DONE", "BY", "URL"]];
  for (const e of m.timeline) {
    rows.push([e.at, e.stage, String(e.status), formatBytes(e.bytes), String(e.durationMs), e.completed ? "yes" : "ABORTED", e.attributedBy, e.url]);
  }
  return head + table(rows);
}

async function getJson(url: URL): Promise<{ status: number; body: unknown }> {
  const response = await getView(url, 15_000);
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    const hint = response.status === 404 ? ` (${VIEWS_ELSEWHERE})` : "";
    throw new Error(`${url.origin}${url.pathname} answered ${response.status} without JSON: ${text.trim().slice(0, 200)}${hint}`);
  }
}

export const machinesCommand: Command = {
  async run(argv) {
    let values;
    let positionals: string[];
    let url: URL;
    try {
      ({ values, positionals } = parseFlags(argv, FLAGS, process.env));
      if (values.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      if (positionals.length > 1) throw new UsageError("give at most one MAC or UUID");
      url = viewUrl(values.server as string, "/machines");
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`netboot machines: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    const id = positionals[0];
    if (id !== undefined) url.searchParams.set("id", id);
    const { status, body } = await getJson(url);
    if (status === 404) {
      process.stderr.write(`netboot machines: ${(body as { error?: string }).error ?? "not found"}\n`);
      return 1;
    }
    if (status !== 200) throw new Error(`${url.origin}/machines answered ${status}`);
    if (values.json) process.stdout.write(JSON.stringify(body, null, 2) + "\n");
    else if (id !== undefined) process.stdout.write(formatTimeline(body as MachineTimeline));
    else process.stdout.write(formatMachines((body as { machines: MachineSummary[] }).machines));
    return 0;
  },
};
