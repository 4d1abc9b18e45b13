import type { MatchableGroup } from "../match/group.js";

/** JSON-shaped values, as group metadata and template data hold them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface Group extends MatchableGroup {
  readonly id: string;
  readonly name: string;
  /** Profile reference: the profile file's name without extension. */
  readonly profile: string;
  readonly selector: Readonly<Record<string, string>>;
  /** Arbitrary JSON object, or null when the file has none. */
  readonly metadata: JsonObject | null;
  /** netboot only (Matchbox ignores the key): a machine that matches this group remembers the labels its selector required. */
  readonly sticky?: boolean;
  /** For a sticky group: the labels a machine it answers remembers (worked out once, at load). */
  readonly remember?: Readonly<Record<string, string>>;
  /** Data-directory-relative path, e.g. `groups/node1.json`. */
  readonly file: string;
  /** What the file holds that Matchbox ignores (unknown keys), to report. */
  readonly warnings?: readonly FileProblem[];
  /** Matchbox skips this group file (a selector MAC that does not parse): it is reported, and never matched. */
  readonly skip?: boolean;
}

export interface Boot {
  readonly kernel: string;
  readonly initrd: readonly string[];
  readonly args: readonly string[];
}

export interface Profile {
  readonly id: string;
  readonly name: string;
  readonly ignitionId: string;
  readonly genericId: string;
  readonly cloudId: string;
  /** null when the profile has no `boot` section. */
  readonly boot: Boot | null;
  readonly file: string;
  /** What the file holds that Matchbox ignores (unknown keys), to report. */
  readonly warnings?: readonly FileProblem[];
}

/** A problem found in one data-directory file. */
export interface FileProblem {
  readonly file: string;
  /** JSON pointer into the document, when the problem is at a place in it. */
  readonly pointer?: string;
  readonly message: string;
  readonly severity: "error" | "warning";
  /** An earlier good version of the file is still being served. */
  readonly servingLastGood?: boolean;
  /**
   * The file or folder could not be read (permission, descriptors exhausted,
   * an I/O error): what it says is unknown, and the load is retried soon.
   */
  readonly unreadable?: boolean;
  /** The path names a folder, FIFO, socket or device: for a request, no such file (as Matchbox answers). */
  readonly notAFile?: boolean;
}

/** The template kinds a profile can name, each in its own data-directory folder. */
export type TemplateKind = "ignition" | "generic" | "cloud";
