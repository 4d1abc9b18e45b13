import path from "node:path";
import { setImmediate } from "node:timers/promises";
import { decodeSource, type Source } from "../images/declaration.js";
import { byteOrderKey } from "../match/group.js";
import { isRawIgnition, rawIgnitionError } from "../render/ignition.js";
import { templateParseError } from "../render/template.js";
import { decodeGroup, decodeProfile } from "./decode.js";
import { DocumentError, formatOf, parseDocument } from "./document.js";
import { FileCache, type CheckFile, type Outcome, type ReadFile } from "./file-cache.js";
import { STORE_LIMITS } from "./limits.js";
import { dataRelativePath } from "./paths.js";
import { profileCandidates, Snapshot, TemplateFile } from "./snapshot.js";
import type { FileProblem, Group, Profile, TemplateKind } from "./types.js";

export { FileCache } from "./file-cache.js";

export interface LoadOptions {
  /** Leave files changed within the last moments for a later load (reloads on change); the start and explicit reloads read everything. */
  settle?: boolean;
}

/** Names of the group or profile documents in a listing, in byte order. */
function documentNames(names: readonly string[]): string[] {
  // `..data` and `..2024_…` are a Kubernetes ConfigMap volume's internals.
  const keyed = names.filter((name) => !name.startsWith("..") && formatOf(name) !== undefined).map((name) => ({ name, key: byteOrderKey(name) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ name }) => name);
}

/**
 * File system calls are made synchronously (a stat costs microseconds, where a
 * thread-pool round trip costs ten times more), in slices between which the
 * event loop serves requests: a reload of 100,000 files never stalls the
 * server for more than a few milliseconds at a time.
 */
const CALLS_PER_SLICE = 256;

/** Counts file system calls: true once a slice is used up (the loops await only then: an `await` costs even with nothing to wait for). */
function pacer(): () => boolean {
  let calls = 0;
  return () => ++calls % CALLS_PER_SLICE === 0;
}


/** What makes two problems the same: file, pointer and reason. */
export function problemKey(p: FileProblem): string {
  return `${p.file}\0${p.pointer ?? ""}\0${p.message}`;
}

/**
 * A group or profile document. An empty YAML file, or one holding nothing but
 * comments or `null`, is never a document (YAML would read it as `null`, an
 * empty catch-all group): it is what a file being written looks like. Only
 * Matchbox's JSON `null` is an (empty) group; an empty JSON file does not parse.
 */
function readDocument<T>(relative: string, decode: (doc: unknown, file: string) => T): ReadFile<T> {
  const format = formatOf(relative)!;
  return (text) => {
    if (format === "yaml" && text.trim() === "") throw new DocumentError("the file is empty");
    const document = parseDocument(text, format);
    if (document === null && format === "yaml") throw new DocumentError("the document is empty (only comments, or null)");
    return decode(document, relative);
  };
}

/** How a profile uses a template file: as a Go template, or as raw Ignition. */
type TemplateUse = "go-template" | "raw-ignition";

/** The reason without the file name it starts with (the problem names the file). */
function withoutFile(message: string, file: string): string {
  return message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
}

/** A template must parse for every use profiles make of it before it replaces its last good version. */
function checkTemplate(relative: string, uses: ReadonlySet<TemplateUse>): CheckFile<TemplateFile> {
  return (file) => {
    if (file.text.trim() === "") return new DocumentError("the file is empty");
    for (const use of uses) {
      const error = use === "raw-ignition" ? rawIgnitionError(file) : templateParseError(file);
      if (error !== undefined) return new DocumentError(withoutFile(error instanceof Error ? error.message : String(error), relative));
    }
    return undefined;
  };
}

/**
 * Reads the data directory into a new snapshot: every group document in
 * `groups/`, every profile in `profiles/` plus any other profile a group
 * names, every template a profile names, and every OS image source in
 * `sources/`. A file that breaks, or that
 * cannot be read, keeps its last good version in service; a folder that
 * cannot be listed keeps its last listing. Every such file or folder is a
 * problem of the snapshot.
 */
export async function loadSnapshot(dataDir: string, cache: FileCache, generation: number, options: LoadOptions = {}): Promise<Snapshot> {
  cache.beginLoad(options);
  // One problem per file (or folder) and reason, however many paths led to it.
  const problems = new Map<string, FileProblem>();
  const report = (problem: FileProblem) => {
    const key = problemKey(problem);
    const known = problems.get(key);
    if (!known) problems.set(key, problem);
    else if (problem.servingLastGood && !known.servingLastGood) problems.set(key, { ...known, servingLastGood: true });
  };
  const collect = <T>(outcome: Outcome<T> | undefined): T | undefined => {
    if (outcome?.problem) report(outcome.problem);
    return outcome?.value;
  };
  const sliceUsedUp = pacer();
  // Data-relative paths are clean and never climb out (dataRelativePath), so joining them to the clean root needs no normalising.
  const root = path.normalize(dataDir).replace(/(?<=.)\/+$/, "");
  const absolute = (relative: string) => (relative === "" ? root : `${root === "/" ? "" : root}/${relative}`);
  const loadFile = <T>(relative: string, maxBytes: number, read: ReadFile<T>, check?: { key: string; check: CheckFile<T> }): T | undefined =>
    collect(cache.load(absolute(relative), relative, maxBytes, read, check));
  const listDocuments = (folder: string): string[] => {
    const listing = cache.list(absolute(folder), folder);
    if (listing.problem) report(listing.problem);
    return documentNames(listing.names);
  };

  const groups: Group[] = [];
  for (const name of listDocuments("groups")) {
    const relative = `groups/${name}`;
    if (sliceUsedUp()) await setImmediate();
    const group = loadFile<Group>(relative, STORE_LIMITS.maxDocumentBytes, readDocument(relative, decodeGroup));
    if (group) {
      if (!group.skip) groups.push(group);
      for (const warning of group.warnings ?? []) report(warning);
    }
  }

  const profiles = new Map<string, Profile>();
  const triedProfiles = new Set<string>();
  const loadProfile = async (relative: string) => {
    if (triedProfiles.has(relative) || formatOf(relative) === undefined) return;
    triedProfiles.add(relative);
    if (sliceUsedUp()) await setImmediate();
    const profile = loadFile<Profile>(relative, STORE_LIMITS.maxDocumentBytes, readDocument(relative, decodeProfile));
    if (profile) {
      profiles.set(relative, profile);
      for (const warning of profile.warnings ?? []) report(warning);
    }
  };
  for (const name of listDocuments("profiles")) await loadProfile(`profiles/${name}`);
  // Groups may name profiles in sub-folders (or, as Matchbox allows, beyond).
  const references = new Set(groups.map((g) => g.profile).filter((p) => p !== ""));
  for (const reference of references) {
    for (const candidate of profileCandidates(reference)) await loadProfile(candidate);
  }

  const uses = new Map<string, Set<TemplateUse>>();
  for (const profile of profiles.values()) {
    const named: [TemplateKind, string][] = [
      ["ignition", profile.ignitionId],
      ["generic", profile.genericId],
      ["cloud", profile.cloudId],
    ];
    for (const [kind, name] of named) {
      if (name === "") continue;
      const relative = dataRelativePath(kind, name);
      if (relative === undefined) continue;
      const use: TemplateUse = kind === "ignition" && isRawIgnition(name) ? "raw-ignition" : "go-template";
      uses.set(relative, (uses.get(relative) ?? new Set()).add(use));
    }
  }
  const templates = new Map<string, TemplateFile>();
  for (const [relative, used] of uses) {
    const check = { key: [...used].sort().join(","), check: checkTemplate(relative, used) };
    if (sliceUsedUp()) await setImmediate();
    const template = loadFile(relative, STORE_LIMITS.maxTemplateBytes, (text) => new TemplateFile(relative, text), check);
    if (template) templates.set(relative, template);
  }

  const sources: Source[] = [];
  for (const name of listDocuments("sources")) {
    const relative = `sources/${name}`;
    if (sliceUsedUp()) await setImmediate();
    const source = loadFile<Source>(relative, STORE_LIMITS.maxDocumentBytes, readDocument(relative, decodeSource));
    if (source) sources.push(source);
  }

  cache.endLoad();
  return new Snapshot(groups, profiles, templates, [...problems.values()], generation, new Date(), sources);
}
