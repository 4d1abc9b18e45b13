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
import { TEMPLATE_FIELDS } from "./structure.js";

/**
 * The labels a group's own machines send at least: its selector values. A
 * template that needs any other key fails here as it would for such a machine.
 */
export function selectorLabels(group: Group): { labels: Map<string, string>; rawQuery: string } {
  const keys = Object.keys(group.selector).sort(compareBytes);
  const labels = new Map<string, string>();
  for (const key of keys) labels.set(key, group.selector[key]!);
  const rawQuery = keys.map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(group.selector[key]!)}`).join("&");
  return { labels, rawQuery };
}

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
  for (const group of snapshot.groups) {
    if (group.profile === "") continue;
    if (!profiles.has(group.profile)) profiles.set(group.profile, snapshot.profileFor(group.profile));
    const profile = profiles.get(group.profile);
    if (!profile) continue;
    const { labels, rawQuery } = selectorLabels(group);
    let data: TemplateData | undefined;
    for (const { kind, name, file } of templatesOf(profile)) {
      rendered.add(file);
      data ??= templateData(group, labels, rawQuery);
      try {
        for (const warning of render(kind, name, file, data, translations)) findings.add(file.file, "warning", warning, group.file);
      } catch (err) {
        findings.add(file.file, "error", messageOf(err), group.file);
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
