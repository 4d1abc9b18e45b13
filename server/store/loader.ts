import { readdirSync, readFileSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { compareBytes } from "../match/group.js";
import { decodeGroup, decodeProfile } from "./decode.js";
import { DocumentError, formatOf, parseDocument } from "./document.js";
import { STORE_LIMITS } from "./limits.js";
import { dataRelativePath } from "./paths.js";
import { profileCandidates, Snapshot, TemplateFile } from "./snapshot.js";
import type { FileProblem, Group, Profile, TemplateKind } from "./types.js";

interface Outcome<T> {
  value?: T;
  problem?: FileProblem;
}

interface CacheEntry {
  stamp: string;
  outcome: Outcome<unknown>;
}

/**
 * What earlier loads learned about each file: unchanged files (same inode,
 * size and times) are not read again, and the last good version of a file that
 * has since broken keeps being served.
 */
export class FileCache {
  private entries = new Map<string, CacheEntry>();
  private lastGood = new Map<string, unknown>();
  private seen = new Set<string>();

  /** `rewrite`: applied to each file's text before it is parsed (the -server-url substitution). */
  constructor(private readonly rewrite: (text: string) => string = (text) => text) {}

  /** Starts a load: files not seen by its end are forgotten. */
  beginLoad(): void {
    this.seen = new Set();
  }

  endLoad(): void {
    for (const file of this.entries.keys()) if (!this.seen.has(file)) this.entries.delete(file);
    for (const file of this.lastGood.keys()) if (!this.seen.has(file)) this.lastGood.delete(file);
  }

  load<T>(absolute: string, relative: string, stats: Stats, maxBytes: number, read: (text: string) => T): Outcome<T> {
    this.seen.add(absolute);
    const stamp = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    const cached = this.entries.get(absolute);
    if (cached && cached.stamp === stamp) return cached.outcome as Outcome<T>;
    let outcome: Outcome<T>;
    try {
      // Refused before reading: a huge file never sits in memory whole.
      if (stats.size > maxBytes) throw new DocumentError(`file is larger than ${maxBytes} bytes`);
      const text = this.rewrite(readFileSync(absolute, "utf8"));
      const value = read(text);
      this.lastGood.set(absolute, value);
      outcome = { value };
    } catch (err) {
      const problem = toProblem(err, relative);
      if (this.lastGood.has(absolute)) {
        outcome = { value: this.lastGood.get(absolute) as T, problem: { ...problem, servingLastGood: true } };
      } else {
        outcome = { problem };
      }
    }
    this.entries.set(absolute, { stamp, outcome });
    return outcome;
  }
}

function toProblem(err: unknown, file: string): FileProblem {
  if (err instanceof DocumentError) {
    return { file, pointer: err.pointer, message: err.message, severity: "error" };
  }
  const e = err as NodeJS.ErrnoException;
  return { file, message: e.code ? `cannot read: ${e.code}` : String(e.message ?? err), severity: "error" };
}

function statFile(absolute: string): Stats | undefined {
  try {
    const stats = statSync(absolute, { throwIfNoEntry: false });
    return stats?.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

/** Names of the group or profile documents in a folder, in byte order; none if it does not exist. */
function listDocuments(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  // `..data` and `..2024_…` are a Kubernetes ConfigMap volume's internals.
  return names.filter((name) => !name.startsWith("..") && formatOf(name) !== undefined).sort(compareBytes);
}

/**
 * File system calls are made synchronously (a stat costs microseconds, where a
 * thread-pool round trip costs ten times more), in slices between which the
 * event loop serves requests: a reload of 100,000 files never stalls the
 * server for more than a few milliseconds at a time.
 */
const CALLS_PER_SLICE = 256;

function pacer(): () => Promise<void> {
  let calls = 0;
  return async () => {
    if (++calls % CALLS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
  };
}

function readDocument<T>(relative: string, decode: (doc: unknown, file: string) => T): (text: string) => T {
  const format = formatOf(relative)!;
  return (text) => decode(parseDocument(text, format), relative);
}

/**
 * Reads the data directory into a new snapshot: every group document in
 * `groups/`, every profile in `profiles/` plus any other profile a group
 * names, and every template a profile names.
 */
export async function loadSnapshot(dataDir: string, cache: FileCache, generation: number): Promise<Snapshot> {
  cache.beginLoad();
  const problems: FileProblem[] = [];
  const collect = <T>(outcome: Outcome<T>): T | undefined => {
    if (outcome.problem) problems.push(outcome.problem);
    return outcome.value;
  };
  const pace = pacer();
  const loadFile = async <T>(relative: string, maxBytes: number, read: (text: string) => T): Promise<T | undefined> => {
    await pace();
    const absolute = path.join(dataDir, relative);
    const stats = statFile(absolute);
    if (!stats) return undefined;
    return collect(cache.load(absolute, relative, stats, maxBytes, read));
  };

  const groups: Group[] = [];
  for (const name of listDocuments(path.join(dataDir, "groups"))) {
    const relative = `groups/${name}`;
    const group = await loadFile<Group>(relative, STORE_LIMITS.maxDocumentBytes, readDocument(relative, decodeGroup));
    if (group) groups.push(group);
  }

  const profiles = new Map<string, Profile>();
  const triedProfiles = new Set<string>();
  const loadProfile = async (relative: string) => {
    if (triedProfiles.has(relative) || formatOf(relative) === undefined) return;
    triedProfiles.add(relative);
    const profile = await loadFile<Profile>(relative, STORE_LIMITS.maxDocumentBytes, readDocument(relative, decodeProfile));
    if (profile) profiles.set(relative, profile);
  };
  for (const name of listDocuments(path.join(dataDir, "profiles"))) await loadProfile(`profiles/${name}`);
  // Groups may name profiles in sub-folders (or, as Matchbox allows, beyond).
  const references = new Set(groups.map((g) => g.profile).filter((p) => p !== ""));
  for (const reference of references) {
    for (const candidate of profileCandidates(reference)) await loadProfile(candidate);
  }

  const templates = new Map<string, TemplateFile>();
  for (const profile of profiles.values()) {
    const named: [TemplateKind, string][] = [
      ["ignition", profile.ignitionId],
      ["generic", profile.genericId],
      ["cloud", profile.cloudId],
    ];
    for (const [kind, name] of named) {
      if (name === "") continue;
      const relative = dataRelativePath(kind, name);
      if (relative === undefined || templates.has(relative)) continue;
      const template = await loadFile(relative, STORE_LIMITS.maxTemplateBytes, (text) => new TemplateFile(relative, text));
      if (template) templates.set(relative, template);
    }
  }

  cache.endLoad();
  return new Snapshot(groups, profiles, templates, problems, generation, new Date());
}
