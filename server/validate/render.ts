import { createHash } from "node:crypto";
import { isNetbootError } from "../errors.js";
import { compareBytes } from "../match/group.js";
import { checkCloudConfig } from "../render/cloud-config.js";
import { translateButane } from "../render/butane/index.js";
import { isRawIgnition, renderIgnition } from "../render/ignition.js";
import { templateData, type TemplateData } from "../render/template-data.js";
import { renderTemplateFile } from "../render/template.js";
import type { Snapshot, TemplateFile } from "../store/snapshot.js";
import type { Group, Profile, TemplateKind } from "../store/types.js";
import { parseTemplate } from "../template/index.js";
import type { Problem } from "./problems.js";
import { ENDPOINT_OF_KIND, profileRequests, type ProfileRequest } from "./requests.js";
import { TEMPLATE_FIELDS } from "./structure.js";

/** What iPXE fills in for a label the URL leaves to it (`${hostname}`): any value will do, a MAC must look like one. */
function placeholder(key: string): string {
  return key.toLowerCase() === "mac" ? "52:54:00:00:00:00" : `example-${key}`;
}

/**
 * The labels of a request that selects `group`: those of the profile URL the
 * machine follows (if any), and the group's selector values, which every
 * request that selects the group carries.
 */
export function machineRequest(group: Group, source: ProfileRequest | undefined, extra: readonly string[] = []): { labels: Map<string, string>; rawQuery: string } {
  const labels = new Map<string, string>();
  for (const [key, value] of source?.labels ?? []) labels.set(key, value ?? placeholder(key));
  for (const key of Object.keys(group.selector).sort(compareBytes)) labels.set(key, group.selector[key]!);
  for (const key of extra) if (!labels.has(key)) labels.set(key, placeholder(key));
  const rawQuery = [...labels].map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join("&");
  return { labels, rawQuery };
}

/** The request label a template asked for and did not get (`{{.request.query.hostname}}`), if that is why it failed. */
function missingRequestLabel(err: unknown): string | undefined {
  if (!isNetbootError(err) || err.code !== "NB_TEMPLATE") return undefined;
  const match = /at <\.request\.query\.([^>\s.]+)>: map has no entry for key "([^"\\]*)"/.exec(err.message);
  return match && match[1] === match[2] ? match[1] : undefined;
}

/** Most labels a template is given before it is reported as needing more than any machine sends. */
const MAX_ADDED_LABELS = 32;

type Translation = { warnings: readonly string[] } | { error: unknown };

/**
 * Renders as the endpoint does. Butane translation, the costly part, is done
 * once per distinct rendered text: groups whose data a template does not use
 * all render the same document.
 */
function render(kind: TemplateKind, name: string, file: TemplateFile, data: TemplateData, translations: Map<string, Translation>): readonly string[] {
  if (kind === "ignition") {
    if (isRawIgnition(name)) return renderIgnition(name, file, data).warnings;
    const butane = renderTemplateFile(file, data);
    const key = createHash("sha256").update(file.file).update("\0").update(butane).digest("base64");
    let translation = translations.get(key);
    if (!translation) {
      try {
        translation = { warnings: translateButane(butane, file.file).warnings };
      } catch (error) {
        translation = { error };
      }
      translations.set(key, translation);
    }
    if ("error" in translation) throw translation.error;
    return translation.warnings;
  }
  const text = renderTemplateFile(file, data);
  if (kind === "cloud") checkCloudConfig(text, file.file);
  return [];
}

/** Why a template needs labels no request of the group carries, naming them and what is sent. */
function unsentLabels(added: readonly string[], kind: TemplateKind, profile: Profile, group: Group, source: ProfileRequest | undefined): string {
  const names = added.map((label) => `"${label}"`).join(", ");
  const uses = added.map((label) => `.request.query.${label}`).join(", ");
  const needs = `needs the request label${added.length > 1 ? "s" : ""} ${names} (${uses})`;
  const selector = Object.keys(group.selector).sort(compareBytes);
  const fromSelector = selector.length > 0 ? `the selector's ${selector.join(", ")}` : "no selector labels";
  if (source) {
    const sent = source.labels.map(([key]) => key);
    return `${needs}, which the URL in ${profile.file}:${source.pointer} does not send (it sends ${sent.length > 0 ? sent.join(", ") : "no labels"}, plus ${fromSelector})`;
  }
  return `${needs}, which no request is known to send: no URL in ${profile.file} points at ${ENDPOINT_OF_KIND[kind]}, and a request that selects this group carries only ${fromSelector}`;
}

function messageOf(err: unknown): string {
  if (isNetbootError(err)) return err.message;
  return `internal error: ${err instanceof Error ? err.message : String(err)}`;
}

/** Collapses the same finding for many groups into one line that names the first group and counts the rest. */
class Findings {
  private readonly seen = new Map<string, { problem: Problem; groups: string[] }>();

  add(file: string, severity: Problem["severity"], text: string, group?: string): void {
    // Renderers' messages start with the file's name, which the report already leads with.
    const message = text.startsWith(`${file}: `) ? text.slice(file.length + 2) : text;
    const key = `${file}\0${severity}\0${message}`;
    const entry = this.seen.get(key);
    if (entry) {
      if (group) entry.groups.push(group);
      return;
    }
    this.seen.set(key, { problem: { file, severity, reason: message }, groups: group ? [group] : [] });
  }

  problems(): Problem[] {
    return [...this.seen.values()].map(({ problem, groups }) => {
      if (groups.length === 0) return problem;
      groups.sort(compareBytes);
      const more = groups.length > 1 ? ` (and ${groups.length - 1} more group${groups.length > 2 ? "s" : ""})` : "";
      return { ...problem, reason: `for ${groups[0]}${more}: ${problem.reason}` };
    });
  }
}

/**
 * Renders every template with the data of every group that uses it, so a
 * missing key, a Butane error or an invalid Ignition config shows up before a
 * machine asks; templates no group uses are parsed (or, for raw Ignition,
 * validated) on their own.
 */
export function checkRendering(snapshot: Snapshot): Problem[] {
  const findings = new Findings();
  const rendered = new Set<TemplateFile>();
  const translations = new Map<string, Translation>();
  // Thousands of groups share a few profiles: resolve each reference once.
  const profiles = new Map<string, Profile | undefined>();
  const templates = new Map<Profile, { kind: TemplateKind; name: string; file: TemplateFile }[]>();
  const templatesOf = (profile: Profile) => {
    let found = templates.get(profile);
    if (!found) {
      found = [];
      for (const { kind, field } of TEMPLATE_FIELDS) {
        const name = profile[field];
        const file = name === "" ? undefined : snapshot.template(kind, name);
        if (file) found.push({ kind, name, file });
      }
      templates.set(profile, found);
    }
    return found;
  };
  const requests = new Map<Profile, ProfileRequest[]>();
  const requestsOf = (profile: Profile, kind: TemplateKind): (ProfileRequest | undefined)[] => {
    let found = requests.get(profile);
    if (!found) requests.set(profile, (found = profileRequests(profile)));
    const endpoint = ENDPOINT_OF_KIND[kind];
    const matching = found.filter((r) => r.endpoint === endpoint);
    // No URL of the profile points there: only the selector's labels are sure to come.
    return matching.length > 0 ? matching : [undefined];
  };
  for (const group of snapshot.groups) {
    if (group.profile === "") continue;
    if (!profiles.has(group.profile)) profiles.set(group.profile, snapshot.profileFor(group.profile));
    const profile = profiles.get(group.profile);
    if (!profile) continue;
    for (const { kind, name, file } of templatesOf(profile)) {
      rendered.add(file);
      for (const source of requestsOf(profile, kind)) {
        // A label the template needs and the request lacks is added (and reported), so that what else the template does is checked too.
        const added: string[] = [];
        for (;;) {
          const { labels, rawQuery } = machineRequest(group, source, added);
          try {
            for (const warning of render(kind, name, file, templateData(group, labels, rawQuery), translations)) findings.add(file.file, "warning", warning, group.file);
          } catch (err) {
            const label = missingRequestLabel(err);
            if (label !== undefined && !labels.has(label) && added.length < MAX_ADDED_LABELS) {
              added.push(label);
              continue;
            }
            findings.add(file.file, "error", messageOf(err), group.file);
          }
          break;
        }
        if (added.length > 0) findings.add(file.file, "warning", unsentLabels(added, kind, profile, group, source), group.file);
      }
    }
  }
  for (const profile of snapshot.profiles.values()) {
    for (const { kind, field } of TEMPLATE_FIELDS) {
      const name = profile[field];
      const file = name === "" ? undefined : snapshot.template(kind, name);
      if (!file || rendered.has(file)) continue;
      rendered.add(file);
      try {
        if (kind === "ignition" && isRawIgnition(name)) renderIgnition(name, file, {});
        else parseTemplate(file.file, file.text);
      } catch (err) {
        findings.add(file.file, "error", isNetbootError(err) ? err.message : (err as Error).message);
      }
    }
  }
  return findings.problems();
}
