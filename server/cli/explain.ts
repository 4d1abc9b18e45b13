import { pino } from "pino";
import type { Command } from "./command.js";
import { flagUsage, parseFlags, UsageError, type FlagSpecs } from "../config/flags.js";
import { MachineStateStore } from "../state/store.js";
import { DataStore } from "../store/store.js";
import { Explainer, type Explanation } from "../validate/explain.js";
import { queryFor } from "./machine.js";
import { getView, viewUrl, VIEWS_ELSEWHERE } from "./remote.js";
import { formatTable } from "./machines.js";

const FLAGS: FlagSpecs = {
  mac: { type: "string", description: "The machine's MAC address (label mac)" },
  uuid: { type: "string", description: "The machine's SMBIOS UUID (label uuid)" },
  "data-path": { type: "string", default: "", description: "Explain against this data directory, without a server" },
  "state-path": { type: "string", default: "", description: "With -data-path: match with what machines remember in this state directory (read only)" },
  server: { type: "string", default: "", description: "Ask a running server's /explain (e.g. http://127.0.0.1:8080)" },
  json: { type: "boolean", default: false, description: "Print the explanation as JSON" },
  help: { type: "boolean", default: false, description: "Print usage and exit" },
};

const USAGE = `Usage: netboot explain [--mac MAC] [--uuid UUID] [label=value ...] (-data-path DIR [-state-path DIR] | --server URL) [--json]

Flags and labels may come in any order.

Shows which group a machine with these labels gets and why: the labels as
parsed, the groups that matter in precedence order with each selector key
matched or not, the winner and its profile, and what /ipxe, /grub, /ignition,
/generic and /metadata answer (body, or why there is none).

Flags:
${flagUsage(FLAGS)}
`;

const indent = (text: string) =>
  text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => "    " + line)
    .join("\n");

/** The explanation as text for a terminal. */
export function formatExplanation(e: Explanation): string {
  const out: string[] = [];
  const labels = Object.entries(e.labels);
  out.push(`labels: ${labels.length === 0 ? "(none)" : labels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
  if (e.rejectedMacs.length > 0) out.push(`ignored (not a MAC): ${e.rejectedMacs.map((m) => JSON.stringify(m)).join(", ")}`);
  if (e.remembered) {
    const remembered = Object.entries(e.remembered.labels);
    out.push(`remembered by ${e.remembered.mac} (sticky groups):${remembered.length === 0 ? " (nothing)" : ""}`);
    for (const [key, label] of remembered) {
      const overridden = e.remembered.overridden.includes(key) ? ", overridden by the query's label" : "";
      out.push(`  ${key}=${JSON.stringify(label.value)} (set ${label.setAt} by group ${label.group} via ${label.endpoint}${overridden})`);
    }
  }
  out.push("", "candidate groups, in precedence order:");
  if (e.candidates.length === 0) {
    out.push("  (none share a label with this machine)");
  } else {
    const rows = [["", "rank", "group", "file", "selector"]];
    for (const c of e.candidates) {
      const checks = c.checks.length === 0
        ? "(empty: default group)"
        : c.checks
            .map((k) => `${k.key}=${JSON.stringify(k.want)} ${k.matched ? "✓" : `✗ (label ${k.label === null ? "missing, compared as \"\"" : JSON.stringify(k.label)})`}${k.remembered ? " (remembered)" : ""}`)
            .join(", ");
      rows.push([c.winner ? "→" : c.matches ? "+" : "-", String(c.rank), c.id || "(no id)", c.file, checks]);
    }
    out.push(...formatTable(rows).map((line) => "  " + line));
  }
  if (e.omittedCandidates > 0) out.push(`  (${e.omittedCandidates === 1 ? "1 other group shares" : `${e.omittedCandidates} other groups share`} no label with this machine)`);
  out.push("");
  if (!e.winner) {
    out.push("winner: none: no group matches these labels");
  } else {
    out.push(`winner: ${e.winner.id || "(no id)"} (${e.winner.file})`);
    out.push(e.profile ? `profile: ${e.profile.id} (${e.profile.file})` : `profile: "${e.winner.profile}" not found`);
  }
  if (e.withoutRemembered) {
    const other = e.withoutRemembered.winner;
    out.push(`without the remembered labels: ${other ? `${other.id || "(no id)"} (${other.file}) would win` : "no group would match"}`);
  }
  if (e.remembers) {
    out.push(`a successful answer makes the machine remember: ${Object.entries(e.remembers).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ")}`);
  }
  for (const r of e.endpoints) {
    out.push("", `${r.endpoint}: ${r.status}${r.reason ? ` ${r.reason}` : r.contentType ? ` ${r.contentType}` : ""}`);
    if (r.status < 400 && r.body !== "") out.push(indent(r.body) + (r.truncated ? "\n    … (cut)" : ""));
  }
  return out.join("\n") + "\n";
}

async function explainLocally(dataPath: string, statePath: string, query: string): Promise<Explanation> {
  const logger = pino({ level: "silent" });
  const store = await DataStore.open(dataPath, { logger, watch: false });
  const state = statePath === "" ? undefined : await MachineStateStore.open(statePath, { logger, watch: false, readOnly: true });
  const explainer = await Explainer.create(store, state);
  try {
    return await explainer.explain(query);
  } finally {
    await explainer.close();
    store.close();
  }
}

async function explainRemotely(server: string, query: string): Promise<Explanation> {
  const url = viewUrl(server, "/explain");
  url.search = query;
  const response = await getView(url, 30_000);
  if (!response.ok) {
    const hint = response.status === 404 ? ` (${VIEWS_ELSEWHERE})` : "";
    throw new Error(`${url.origin}/explain answered ${response.status}: ${(await response.text()).trim().slice(0, 200)}${hint}`);
  }
  return (await response.json()) as Explanation;
}

export const explainCommand: Command = {
  async run(argv) {
    let values;
    let query: string;
    try {
      const parsed = parseFlags(argv, FLAGS, process.env);
      values = parsed.values;
      if (values.help) {
        process.stdout.write(USAGE);
        return 0;
      }
      query = queryFor(values.mac as string | undefined, values.uuid as string | undefined, parsed.positionals);
      if (!values["data-path"] === !values.server) throw new UsageError("give exactly one of -data-path DIR or --server URL");
      if (values.server) viewUrl(values.server as string, "/explain");
      if (values["state-path"] && !values["data-path"]) throw new UsageError("-state-path goes with -data-path (a server uses its own state)");
    } catch (err) {
      if (!(err instanceof UsageError)) throw err;
      process.stderr.write(`netboot explain: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    const explanation = values.server
      ? await explainRemotely(values.server as string, query)
      : await explainLocally(values["data-path"] as string, values["state-path"] as string, query);
    process.stdout.write(values.json ? JSON.stringify(explanation, null, 2) + "\n" : formatExplanation(explanation));
    return 0;
  },
};
