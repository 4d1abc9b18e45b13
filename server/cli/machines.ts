import { pino } from "pino";
import type { Command } from "./command.js";
import { readApiToken } from "../config/api-token.js";
import { flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { parseMac } from "../match/mac.js";
import type { MachineSummary, MachineTimeline } from "../observe/timeline.js";
import { getView, viewUrl, VIEWS_ELSEWHERE } from "./remote.js";
import type { MachineState } from "../state/record.js";
import { MachineStateStore, type StateProblem } from "../state/store.js";

const FLAGS: FlagSpecs = {
  server: { type: "string", default: "http://127.0.0.1:8080", placeholder: "URL", description: "The server (or its -debug-address listener)" },
  "state-path": { type: "string", default: "", placeholder: "DIR", description: "Read (or, with forget, change) the state directory itself instead of asking a server" },
  "api-token-file": { type: "string", default: "", env: true, placeholder: "FILE", description: "File holding the server's API bearer token (forget through the server)" },
  json: { type: "boolean", default: false, description: "Print JSON" },
  help: { type: "boolean", default: false, description: "Print usage and exit" },
};

const USAGE = `Usage: netboot machines [--server URL] [MAC|UUID] [--json]
       netboot machines -state-path DIR [--json]
       netboot machines forget MAC (--server URL --api-token-file FILE | -state-path DIR)

Without an argument: the machines the server saw boot, most recent first,
with their last stage, and the labels machines remember from sticky groups
(with when and by which group they were set). With a MAC or UUID: that
machine's boot timeline (boot script, iPXE script, kernel and initrd with
bytes and time, Ignition, metadata) and what it remembers. The timeline is in
the server's memory: a restart empties it; remembered labels are on disk.

With -state-path: what machines remember, read from the state directory
(no server needed).

forget MAC: the machine forgets every remembered label, so it is matched as
it was before (for example: installed again). Through the server's write API
(DELETE /machines/MAC/state, needs its bearer token), or offline in the state
directory (a running server notices within a second).

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

/** Remembered labels as `key=value (set … by group … via …)` lines. */
function rememberedLines(state: MachineState, indent: string): string[] {
  return Object.entries(state.labels).map(([key, l]) => `${indent}${key}=${JSON.stringify(l.value)} (set ${l.setAt} by group ${l.group} via ${l.endpoint})`);
}

/** What machines remember, and the state files that could not be read. */
export function formatRemembered(machines: readonly MachineState[], problems: readonly StateProblem[]): string {
  const out: string[] = [];
  if (machines.length === 0) out.push("no machine remembers anything");
  else {
    const rows = [["MACHINE", "LABEL", "SET AT", "GROUP", "VIA"]];
    for (const m of machines) {
      for (const [key, l] of Object.entries(m.labels)) rows.push([m.mac, `${key}=${l.value}`, l.setAt, l.group, l.endpoint]);
    }
    out.push(...formatTable(rows));
  }
  for (const p of problems) out.push(`unreadable: ${p.file} ${p.message}`);
  return out.join("\n") + "\n";
}

type MachineView = Partial<MachineTimeline> & { id: string; timeline: MachineTimeline["timeline"]; remembered?: MachineState | null };

export function formatTimeline(m: MachineView): string {
  let head = `machine ${m.id}${m.uuid && m.mac ? ` (uuid ${m.uuid})` : ""}: group ${m.group ?? "-"}, profile ${m.profile ?? "-"}\n`;
  if (m.remembered) head += ["remembers (sticky groups):", ...rememberedLines(m.remembered, "  ")].join("\n") + "\n";
  else if (m.remembered === null) head += "remembers nothing\n";
  if (m.timeline.length === 0) return head + "no boot recorded since the server started\n";
  const rows = [["TIME", "STAGE", "STATUS", "BYTES", "MS", "DONE", "BY", "URL"]];
  for (const e of m.timeline) {
    rows.push([e.at, e.stage, String(e.status), formatBytes(e.bytes), String(e.durationMs), e.completed ? "yes" : "ABORTED", e.attributedBy, e.url]);
  }
  return head + "\n" + table(rows);
}

async function getJson(url: URL, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await getView(url, 15_000, init);
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    const hint = response.status === 404 ? ` (${VIEWS_ELSEWHERE})` : "";
    throw new Error(`${url.origin}${url.pathname} answered ${response.status} without JSON: ${text.trim().slice(0, 200)}${hint}`);
  }
}

const errorOf = (body: unknown) => (body as { error?: string }).error ?? "no reason given";

async function openState(dir: string, readOnly: boolean): Promise<MachineStateStore> {
  return MachineStateStore.open(dir, { logger: pino({ level: "silent" }), watch: false, readOnly });
}

/** `forget MAC`: offline in the state directory, or through the server's write API. */
async function forget(id: string, values: Record<string, unknown>): Promise<number> {
  const mac = parseMac(id);
  if (mac === undefined) throw new UsageError(`"${id}" is not a MAC address`);
  if (values["state-path"]) {
    const state = await openState(values["state-path"] as string, false);
    try {
      const result = await state.forget(mac, "netboot machines forget");
      if (!result.removed) {
        process.stderr.write(`netboot machines: nothing is remembered for ${mac}\n`);
        return 1;
      }
      process.stdout.write(result.state ? [`forgot ${mac}:`, ...rememberedLines(result.state, "  ")].join("\n") + "\n" : `forgot ${mac} (its state file could not be read)\n`);
      return 0;
    } finally {
      state.close();
    }
  }
  const tokenFile = values["api-token-file"] as string;
  if (!tokenFile) throw new UsageError("forget through a server needs --api-token-file FILE (or -state-path DIR to change the state directory itself)");
  const url = viewUrl(values.server as string, `/machines/${mac}/state`);
  const { status, body } = await getJson(url, { method: "DELETE", headers: { authorization: `Bearer ${await readApiToken(tokenFile)}` } });
  if (status !== 200) {
    process.stderr.write(`netboot machines: ${url.origin} answered ${status}: ${errorOf(body)}\n`);
    return 1;
  }
  const forgotten = (body as { forgotten: MachineState["labels"] }).forgotten;
  process.stdout.write([`forgot ${mac}:`, ...rememberedLines({ mac, labels: forgotten }, "  ")].join("\n") + "\n");
  return 0;
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
      if (positionals[0] === "forget") {
        if (positionals.length !== 2) throw new UsageError("forget takes one MAC");
        return await forget(positionals[1]!, values);
      }
      if (positionals.length > 1) throw new UsageError("give at most one MAC or UUID");
      url = viewUrl(values.server as string, "/machines");
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`netboot machines: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    const id = positionals[0];
    if (values["state-path"]) {
      const state = await openState(values["state-path"] as string, true);
      state.close();
      const machines = id === undefined ? state.list() : [state.get(parseMac(id) ?? id)].filter((m) => m !== undefined);
      if (id !== undefined && machines.length === 0) {
        process.stderr.write(`netboot machines: nothing is remembered for ${id}\n`);
        return 1;
      }
      const problems = state.problems();
      process.stdout.write(values.json ? JSON.stringify({ remembered: machines, stateProblems: problems }, null, 2) + "\n" : formatRemembered(machines, problems));
      return 0;
    }
    if (id !== undefined) url.searchParams.set("id", id);
    const { status, body } = await getJson(url);
    if (status === 404) {
      process.stderr.write(`netboot machines: ${errorOf(body)}\n`);
      return 1;
    }
    if (status !== 200) throw new Error(`${url.origin}/machines answered ${status}`);
    if (values.json) process.stdout.write(JSON.stringify(body, null, 2) + "\n");
    else if (id !== undefined) process.stdout.write(formatTimeline(body as MachineView));
    else {
      const list = body as { machines: MachineSummary[]; remembered?: MachineState[]; stateProblems?: StateProblem[] };
      let text = formatMachines(list.machines);
      if (list.remembered) text += "\nremembered labels (sticky groups):\n" + formatRemembered(list.remembered, list.stateProblems ?? []);
      process.stdout.write(text);
    }
    return 0;
  },
};
