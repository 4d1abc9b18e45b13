/**
 * A machine described on the command line (`--mac`, `--uuid`, `label=value`,
 * a group's id) turned into what the server would see: the query string, the
 * labels, the group that answers and the data its templates get.
 */
import { UsageError } from "../config/flags.js";
import { labelsFromQuery, type Labels } from "../match/labels.js";
import { templateData, type TemplateData } from "../render/template-data.js";
import type { Snapshot } from "../store/snapshot.js";
import type { Group } from "../store/types.js";
import { machineRequest } from "../validate/render.js";

/** `key=value` into its two halves; a usage error otherwise. */
function splitPair(pair: string): [string, string] {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new UsageError(`"${pair}" is not label=value`);
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

/** The query string a machine would send for these labels. */
export function queryFor(mac: string | undefined, uuid: string | undefined, pairs: readonly string[]): string {
  const params = new URLSearchParams();
  if (uuid !== undefined) params.append("uuid", uuid);
  if (mac !== undefined) params.append("mac", mac);
  for (const pair of pairs) params.append(...splitPair(pair));
  return params.toString();
}

export interface MachineRequest {
  /** A group's id: its data, with its selector as the labels the machine sends at least. */
  group?: string;
  mac?: string;
  /** More labels, `key=value`; with a group they add to or replace its selector's. */
  labels: readonly string[];
}

export interface Machine {
  group: Group;
  labels: Labels;
  rawQuery: string;
  /** What the group's templates are rendered with, exactly as for a request with `rawQuery`. */
  data: TemplateData;
}

/** The group and template data a machine gets, as the endpoints compute them; a usage error when none. */
export function machineFor(snapshot: Snapshot, request: MachineRequest): Machine {
  let group: Group | undefined;
  let rawQuery: string;
  if (request.group !== undefined) {
    group = snapshot.groups.find((g) => g.id === request.group);
    if (!group) {
      const ids = snapshot.groups.map((g) => g.id).filter((id) => id !== "");
      throw new UsageError(`no group has id "${request.group}" (groups: ${ids.length === 0 ? "none" : ids.join(", ")})`);
    }
    const params = new URLSearchParams(machineRequest(group, undefined).rawQuery);
    if (request.mac !== undefined) params.set("mac", request.mac);
    for (const pair of request.labels) params.set(...splitPair(pair));
    rawQuery = request.mac === undefined && request.labels.length === 0 ? machineRequest(group, undefined).rawQuery : params.toString();
  } else {
    rawQuery = queryFor(request.mac, undefined, request.labels);
  }
  const { labels, rejectedMacs } = labelsFromQuery(rawQuery);
  if (rejectedMacs.length > 0) throw new UsageError(`"${rejectedMacs[0]}" is not a MAC address`);
  if (!group) {
    group = snapshot.index.select(labels);
    if (!group) throw new UsageError(`no group matches ${rawQuery === "" ? "a machine without labels" : rawQuery.replace(/&/g, " ")}`);
  }
  return { group, labels, rawQuery, data: templateData(group, labels, rawQuery) };
}
