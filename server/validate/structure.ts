import { selectorString } from "../match/group.js";
import { profileCandidates, type Snapshot } from "../store/snapshot.js";
import { dataRelativePath } from "../store/paths.js";
import type { Group, Profile, TemplateKind } from "../store/types.js";
import type { Problem } from "./problems.js";

export const TEMPLATE_FIELDS: readonly { kind: TemplateKind; field: "ignitionId" | "genericId" | "cloudId"; pointer: string }[] = [
  { kind: "ignition", field: "ignitionId", pointer: "/ignition_id" },
  { kind: "generic", field: "genericId", pointer: "/generic_id" },
  { kind: "cloud", field: "cloudId", pointer: "/cloud_id" },
];

function rejectedFiles(snapshot: Snapshot): Set<string> {
  return new Set(snapshot.problems.filter((p) => p.severity === "error").map((p) => p.file));
}

function duplicateIds(items: readonly { id: string; file: string }[], what: string, problems: Problem[]): void {
  const first = new Map<string, string>();
  for (const item of items) {
    if (item.id === "") continue;
    const earlier = first.get(item.id);
    if (earlier === undefined) first.set(item.id, item.file);
    else problems.push({ file: item.file, pointer: "/id", severity: "warning", reason: `duplicate ${what} id "${item.id}": also defined by ${earlier}` });
  }
}

/** Groups no request can ever select: same selector as a group ranked before them, or a second catch-all. */
function unreachableGroups(groups: readonly Group[], problems: Problem[]): void {
  const winners = new Map<string, Group>();
  for (const group of groups) {
    const key = selectorString(group.selector);
    const winner = winners.get(key);
    if (!winner) {
      winners.set(key, group);
      continue;
    }
    if (key === "") {
      problems.push({
        file: group.file,
        severity: "error",
        reason: `multiple default groups (empty selector): ${winner.file} takes precedence, so this group never matches`,
      });
    } else {
      problems.push({
        file: group.file,
        pointer: "/selector",
        severity: "error",
        reason: `identical selector {${key}} to ${winner.file}, which takes precedence, so this group never matches`,
      });
    }
  }
}

/** Where a profile reference would be found, for messages. */
function describeLookup(reference: string): string {
  return profileCandidates(reference).join(", ");
}

function groupReferences(snapshot: Snapshot, rejected: Set<string>, problems: Problem[]): void {
  for (const group of snapshot.groups) {
    if (group.profile === "") {
      problems.push({ file: group.file, pointer: "/profile", severity: "warning", reason: "names no profile: only /metadata answers for this group" });
      continue;
    }
    if (snapshot.profileFor(group.profile)) continue;
    const broken = profileCandidates(group.profile).find((candidate) => rejected.has(candidate));
    problems.push({
      file: group.file,
      pointer: "/profile",
      severity: "error",
      reason: broken ? `profile "${group.profile}" is invalid (see ${broken})` : `profile "${group.profile}" does not exist (looked for ${describeLookup(group.profile)})`,
    });
  }
}

function profileReferences(snapshot: Snapshot, used: ReadonlySet<Profile>, rejected: Set<string>, problems: Problem[]): void {
  for (const profile of snapshot.profiles.values()) {
    for (const { kind, field, pointer } of TEMPLATE_FIELDS) {
      const name = profile[field];
      if (name === "" || snapshot.template(kind, name)) continue;
      const path = dataRelativePath(kind, name);
      if (path !== undefined && rejected.has(path)) continue; // its own problem says why
      problems.push({ file: profile.file, pointer, severity: "error", reason: `${path ?? `${kind}/${name}`} does not exist` });
    }
    if (!profile.boot && used.has(profile)) {
      problems.push({ file: profile.file, pointer: "/boot", severity: "warning", reason: "no boot section: /ipxe and /grub answer 404 for the groups that use this profile" });
    }
  }
}

/**
 * Checks of the data directory as a whole: ids defined twice, groups that can
 * never be selected, and references from groups to profiles and from profiles
 * to templates that lead nowhere.
 */
export function checkStructure(snapshot: Snapshot): Problem[] {
  const problems: Problem[] = [];
  const rejected = rejectedFiles(snapshot);
  duplicateIds(snapshot.groups.slice().sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)), "group", problems);
  duplicateIds([...snapshot.profiles.values()], "profile", problems);
  unreachableGroups(snapshot.groups, problems);
  groupReferences(snapshot, rejected, problems);
  const used = new Set<Profile>();
  for (const group of snapshot.groups) {
    const profile = group.profile === "" ? undefined : snapshot.profileFor(group.profile);
    if (profile) used.add(profile);
  }
  profileReferences(snapshot, used, rejected, problems);
  return problems;
}
