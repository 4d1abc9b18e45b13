import type { Source } from "../images/declaration.js";
import { GroupIndex } from "../match/index.js";
import { dataRelativePath } from "./paths.js";
import type { FileProblem, Group, Profile, TemplateKind } from "./types.js";

/** A template file's text, with room for what is derived from it once (a parsed template, canonical Ignition). */
export class TemplateFile {
  private readonly derived = new Map<string, unknown>();

  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** Computes `make()` once per snapshot and kind of result (the text never changes). */
  memo<T>(key: string, make: () => T): T {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = make();
    this.derived.set(key, value);
    return value;
  }
}

/** Profile and template extensions tried, in order, for a reference. */
export const PROFILE_EXTENSIONS = [".json", ".yaml", ".yml"] as const;

/**
 * One immutable view of the data directory. A request reads one snapshot from
 * start to end, so a reload never mixes two versions in one answer.
 */
export class Snapshot {
  readonly index: GroupIndex<Group>;

  constructor(
    groups: readonly Group[],
    /** By data-relative path, e.g. `profiles/worker.json`. */
    readonly profiles: ReadonlyMap<string, Profile>,
    /** By data-relative path, e.g. `ignition/worker.bu`. */
    readonly templates: ReadonlyMap<string, TemplateFile>,
    readonly problems: readonly FileProblem[],
    readonly generation: number,
    readonly loadedAt: Date,
    /** OS image sources (`sources/*`), in file name order. */
    readonly sources: readonly Source[] = [],
  ) {
    this.index = new GroupIndex(groups);
  }

  get groups(): readonly Group[] {
    return this.index.ranked;
  }

  /** Profiles by the reference that named them, resolved once per snapshot (references come from its groups: a bounded set). */
  private readonly profileByReference = new Map<string, Profile | undefined>();

  /** The profile a group's reference names, remembered: call it with references from groups only (any other string would be kept too). */
  profileFor(reference: string): Profile | undefined {
    if (this.profileByReference.has(reference)) return this.profileByReference.get(reference);
    const found = this.findProfile(reference);
    this.profileByReference.set(reference, found);
    return found;
  }

  /** The profile a reference names (`profiles/<ref>.json`, or `.yaml`/`.yml`), looked up each time. */
  findProfile(reference: string): Profile | undefined {
    for (const candidate of profileCandidates(reference)) {
      const found = this.profiles.get(candidate);
      if (found) return found;
    }
    return undefined;
  }

  template(kind: TemplateKind, name: string): TemplateFile | undefined {
    const path = dataRelativePath(kind, name);
    return path === undefined ? undefined : this.templates.get(path);
  }
}

/** Data-relative paths a profile reference may live at, in lookup order. */
export function profileCandidates(reference: string): string[] {
  const paths: string[] = [];
  for (const ext of PROFILE_EXTENSIONS) {
    const path = dataRelativePath("profiles", reference + ext);
    if (path !== undefined) paths.push(path);
  }
  return paths;
}
