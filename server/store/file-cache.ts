import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, type Stats } from "node:fs";
import path from "node:path";
import { getSystemErrorMap } from "node:util";
import { DocumentError } from "./document.js";
import { READ_ONLY_NO_WAIT } from "../util/open-flags.js";
import { STORE_TIMING } from "./timing.js";
import type { FileProblem } from "./types.js";

/** What a load got for one file: a value to serve (possibly its last good version), a problem, or both. */
export interface Outcome<T> {
  value?: T;
  problem?: FileProblem;
}

/** Turns a file's text into what is served; throws DocumentError when it cannot. */
export type ReadFile<T> = (text: string) => T;
/** Why a value read from a file must not be served as its new version, or undefined. */
export type CheckFile<T> = (value: T) => DocumentError | undefined;

/** What is known of a file, under its data-relative name (the string its group or profile also holds). */
interface CacheEntry extends Stamp {
  /** The use the file was checked for (templates), if any. */
  checkKey: string | undefined;
  outcome: Outcome<unknown>;
  /** Its last good version, served while a later one is broken or unreadable. */
  good: unknown;
  /** The last load that saw the file. */
  seenIn: number;
}

interface Pending {
  stamp: Stamp;
  seenIn: number;
  /** performance.now() when this version was first seen. */
  since: number;
  /** performance.now() when the file was first seen changing, across versions. */
  changingSince: number;
}

/** The file changed while it was being read. */
const CHANGED = Symbol("changed");
/** The file does not exist. */
const ABSENT_FILE = Symbol("absent");

/** Errors that mean "not there": a folder or file that does not exist is legitimately empty or deleted. */
const ABSENT = new Set(["ENOENT", "ENOTDIR"]);
/** Errors that say something about the file itself, not about reading it: reported, not retried. */
const PERSISTENT = new Set(["ELOOP", "ENAMETOOLONG"]);

/** What identifies a version of a file: the same inode, size and times. */
interface Stamp {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
}

function stampOf({ dev, ino, size, mtimeMs, ctimeMs }: Stats): Stamp {
  return { dev, ino, size, mtimeMs, ctimeMs };
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.dev === b.dev;
}

function errnoOf(err: unknown): NodeJS.ErrnoException | undefined {
  const e = err as NodeJS.ErrnoException;
  return typeof e?.code === "string" ? e : undefined;
}

/** `EACCES (permission denied)`: the code and the system's words, without the absolute path Node puts in messages. */
export function describeErrno(err: NodeJS.ErrnoException): string {
  const description = err.errno === undefined ? undefined : getSystemErrorMap().get(err.errno)?.[1];
  return description ? `${err.code} (${description})` : String(err.code);
}

function notRegular(stats: Stats): string {
  if (stats.isDirectory()) return "is a folder, not a file";
  if (stats.isFIFO()) return "is a named pipe (FIFO), not a regular file";
  if (stats.isSocket()) return "is a socket, not a regular file";
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "is a device, not a regular file";
  return "is not a regular file";
}

/** An open file nothing was known of, with its stats and, when one read could be trusted, its text. */
interface FirstLook {
  fd: number;
  stats: Stats;
  text?: string;
}

/** A file shorter than this is read in one call when first seen; a larger one is read the careful way. */
export const FIRST_READ_BYTES = 64 * 1024;
let firstReadBuffer: Buffer | undefined;

/**
 * Whether `length` bytes read from a file in one call, before it was stat'ed
 * as `stats`, are the whole of that version of it: a regular file of that
 * length, shorter than the read asked for, and changed (change time) and
 * modified (modification time) only before `unchangedBefore`.
 */
export function firstReadTrusted(length: number, stats: Stats, unchangedBefore: number): boolean {
  return length >= 0 && length < FIRST_READ_BYTES && length === stats.size && stats.isFile() && stats.ctimeMs < unchangedBefore && stats.mtimeMs < unchangedBefore;
}

/**
 * Opens a file nothing is known of yet, with its stats; ABSENT_FILE when it
 * does not exist, undefined when opening fails otherwise (the caller then
 * goes the stat-first way, which says why: a folder without search
 * permission, say, rather than the file).
 *
 * The file is read before it is stat'ed: one call fewer than stat, read,
 * stat. The text read is kept only if the stats taken after the read say no
 * change can have happened during it: a regular file, of the length read,
 * whose change time (which every write and every change of times sets, and
 * which no system call sets back) is before `unchangedBefore`. Otherwise the
 * caller reads it the careful way, checking the stats before and after.
 */
function firstLook(absolute: string, unchangedBefore: number): FirstLook | typeof ABSENT_FILE | undefined {
  let fd: number;
  try {
    fd = openSync(absolute, READ_ONLY_NO_WAIT);
  } catch (err) {
    const code = errnoOf(err)?.code;
    return code !== undefined && ABSENT.has(code) ? ABSENT_FILE : undefined;
  }
  try {
    const buffer = (firstReadBuffer ??= Buffer.allocUnsafe(FIRST_READ_BYTES));
    let length = -1;
    try {
      length = readSync(fd, buffer, 0, FIRST_READ_BYTES, 0);
    } catch {
      // A folder (EISDIR), a pipe (ESPIPE: it cannot be read at an offset, so nothing is taken from it): the stats say what it is.
    }
    const stats = fstatSync(fd);
    return firstReadTrusted(length, stats, unchangedBefore) ? { fd, stats, text: buffer.toString("utf8", 0, length) } : { fd, stats };
  } catch {
    closeSync(fd);
    return undefined;
  }
}

/**
 * Reads the regular file that was stat'ed (as `size` bytes and `stamp`) whole,
 * from `fd` when it is open already, or says it changed: what was read must
 * still have that stamp afterwards (another file swapped in, or the file
 * written meanwhile, has another).
 */
function readWhole(absolute: string, stamp: Stamp, size: number, openFd?: number): string | typeof CHANGED {
  const fd = openFd ?? openSync(absolute, READ_ONLY_NO_WAIT);
  try {
    const buffer = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const n = readSync(fd, buffer, length, size - length, length);
      if (n === 0) break;
      length += n;
    }
    if (length !== size || !sameStamp(fstatSync(fd), stamp)) return CHANGED;
    return buffer.toString("utf8", 0, length);
  } finally {
    if (openFd === undefined) closeSync(fd);
  }
}

/**
 * What earlier loads learned about each file and folder: unchanged files
 * (same inode, size and times) are not read again; the last good version of a
 * file that has since broken, or could not be read, keeps being served; a
 * folder that cannot be listed keeps its last listing; a file still being
 * written is not read until it settles.
 */
export class FileCache {
  private entries = new Map<string, CacheEntry>();
  private listings = new Map<string, string[]>();
  private pending = new Map<string, Pending>();
  private loadNumber = 0;
  private settle = false;
  private settleAt: number | undefined;
  /** A file first seen in this load whose change time is before this (epoch ms) can be read in one call (firstLook). */
  private unchangedBefore = 0;

  /**
   * `rewrite`: applied to each file's text before it is parsed (the
   * -server-url substitution). `now`: the wall clock file times are compared
   * with (epoch ms).
   */
  constructor(
    private readonly rewrite: (text: string) => string = (text) => text,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Starts a load: files not seen by its end are forgotten. With `settle`,
   * files changed within the last `STORE_TIMING.settleMs` are left for later.
   */
  beginLoad(options: { settle?: boolean } = {}): void {
    this.loadNumber++;
    this.settle = options.settle ?? false;
    this.settleAt = undefined;
    this.unchangedBefore = this.now() - STORE_TIMING.firstReadMinAgeMs;
  }

  endLoad(): void {
    for (const [file, entry] of this.entries) if (entry.seenIn !== this.loadNumber) this.entries.delete(file);
    for (const [file, pending] of this.pending) if (pending.seenIn !== this.loadNumber) this.pending.delete(file);
  }

  /** Keeps what is known of the file past this load. */
  private markSeen(relative: string): void {
    const entry = this.entries.get(relative);
    if (entry) entry.seenIn = this.loadNumber;
    const pending = this.pending.get(relative);
    if (pending) pending.seenIn = this.loadNumber;
  }

  /** After a load: milliseconds until a file left for later may have settled (then load again), or undefined. */
  settleDelayMs(): number | undefined {
    return this.settleAt === undefined ? undefined : Math.max(0, this.settleAt - performance.now());
  }

  /**
   * The entries of a folder; none when it does not exist. A folder that
   * exists but cannot be listed keeps its last listing, with a problem.
   */
  list(absolute: string, relative: string): { names: string[]; problem?: FileProblem } {
    try {
      const names = readdirSync(absolute);
      this.listings.set(absolute, names);
      return { names };
    } catch (err) {
      const e = errnoOf(err);
      if (e && ABSENT.has(e.code!)) {
        this.listings.delete(absolute);
        return { names: [] };
      }
      const last = this.listings.get(absolute);
      return { names: last ?? [], problem: { ...unreadable(relative, err), ...(last ? { servingLastGood: true } : {}) } };
    }
  }

  /**
   * Loads one file: undefined when it does not exist (or is new and still
   * being written); otherwise its value and/or problem. `check` vets a value
   * before it replaces the last good one (a rejected value with no last good
   * version is still served, so that requests fail as they would have).
   */
  load<T>(absolute: string, relative: string, maxBytes: number, read: ReadFile<T>, check?: { key: string; check: CheckFile<T> }): Outcome<T> | undefined {
    // A file nothing is known of is opened and read straight away: a stat first would cost one more path lookup, and only saves a read when the cached version is unchanged.
    const opened = this.entries.has(relative) || this.pending.has(relative) ? undefined : firstLook(absolute, this.unchangedBefore);
    if (opened === ABSENT_FILE) return undefined;
    try {
      return this.loadStated(absolute, relative, maxBytes, read, check, opened);
    } finally {
      if (opened) closeSync(opened.fd);
    }
  }

  private loadStated<T>(
    absolute: string,
    relative: string,
    maxBytes: number,
    read: ReadFile<T>,
    check: { key: string; check: CheckFile<T> } | undefined,
    opened: FirstLook | undefined,
  ): Outcome<T> | undefined {
    let stats: Stats;
    try {
      stats = opened?.stats ?? statSync(absolute);
    } catch (err) {
      const e = errnoOf(err);
      if (e && ABSENT.has(e.code!)) return undefined;
      this.markSeen(relative);
      // Search permission is checked on the folders of the path: the problem is the folder's.
      const where = e?.code === "EACCES" ? path.posix.dirname(relative) : relative;
      return this.fallback(relative, problemOf(err, where));
    }
    this.markSeen(relative);
    if (!stats.isFile()) return this.fallback(relative, { file: relative, message: notRegular(stats), severity: "error", notAFile: true });

    const stamp = stampOf(stats);
    // What was checked is part of what is remembered: a file put to a new use is checked again.
    const checkKey = check?.key;
    const cached = this.entries.get(relative);
    if (cached && cached.checkKey === checkKey && sameStamp(cached, stamp)) return cached.outcome as Outcome<T>;

    let text: string | typeof CHANGED | undefined;
    try {
      // Refused before reading: a huge file never sits in memory whole.
      if (stats.size > maxBytes) throw new DocumentError(`file is larger than ${maxBytes} bytes`);
      if (this.settle && !completedBeforeLastChange(stats) && this.now() - stats.mtimeMs < STORE_TIMING.settleMs) {
        // A JSON document ends with its closing bracket: one that parses is whole, however recently written.
        if (absolute.endsWith(".json")) {
          const early = readWhole(absolute, stamp, stats.size, opened?.fd);
          if (early !== CHANGED && isWholeJson(early)) text = early;
        }
        if (text === undefined && !this.settled(relative, stamp, stats)) return this.waiting<T>(relative);
      }
      // A text read in one call (firstLook) is of a file unchanged for longer than settling takes: it never reaches the branch above.
      text ??= opened?.text ?? readWhole(absolute, stamp, stats.size, opened?.fd);
    } catch (err) {
      if (!(err instanceof DocumentError)) {
        // Not cached: the next load reads the file again.
        this.pending.delete(relative);
        return this.fallback(relative, problemOf(err, relative));
      }
      return this.settleOutcome(relative, stamp, checkKey, this.fallback(relative, problemOf(err, relative)));
    }
    if (text === CHANGED) {
      this.note(relative, stamp, performance.now());
      return this.waiting<T>(relative);
    }

    let outcome: Outcome<T>;
    let good = this.entries.get(relative)?.good;
    try {
      const value = read(this.rewrite(text));
      const rejected = check?.check(value);
      if (rejected) {
        const fallback = this.fallback<T>(relative, problemOf(rejected, relative));
        outcome = fallback.value === undefined ? { value, problem: fallback.problem } : fallback;
      } else {
        good = value;
        outcome = { value };
      }
    } catch (err) {
      outcome = this.fallback(relative, problemOf(err, relative));
    }
    return this.settleOutcome(relative, stamp, checkKey, outcome, good);
  }

  /** Remembers what a settled version of a file gave, so that it is not read again while unchanged. */
  private settleOutcome<T>(relative: string, stamp: Stamp, checkKey: string | undefined, outcome: Outcome<T>, good = this.entries.get(relative)?.good): Outcome<T> {
    this.pending.delete(relative);
    const { dev, ino, size, mtimeMs, ctimeMs } = stamp;
    this.entries.set(relative, { dev, ino, size, mtimeMs, ctimeMs, checkKey, outcome, good, seenIn: this.loadNumber });
    return outcome;
  }

  /** The file's last good version, if any, with the problem that keeps it in service. */
  private fallback<T>(relative: string, problem: FileProblem): Outcome<T> {
    const good = this.entries.get(relative)?.good;
    if (good !== undefined) return { value: good as T, problem: { ...problem, servingLastGood: true } };
    return { problem };
  }

  /** Whether a changed file has stopped changing: not modified for settleMs, or seen unchanged settleMs apart. */
  private settled(relative: string, stamp: Stamp, stats: Stats): boolean {
    const now = performance.now();
    const age = this.now() - stats.mtimeMs;
    if (age >= STORE_TIMING.settleMs) return true;
    const pending = this.pending.get(relative);
    if (pending && sameStamp(pending.stamp, stamp)) {
      if (now - pending.since >= STORE_TIMING.settleMs) return true;
      this.wakeAt(Math.min(pending.since, now - Math.max(age, 0)) + STORE_TIMING.settleMs);
      return false;
    }
    this.note(relative, stamp, now);
    // Modification times in the future (another clock) wait for the second look.
    this.wakeAt(now + STORE_TIMING.settleMs - Math.max(age, 0));
    return false;
  }

  private note(relative: string, stamp: Stamp, now: number): void {
    const pending = this.pending.get(relative);
    this.pending.set(relative, { stamp, seenIn: this.loadNumber, since: now, changingSince: pending?.changingSince ?? now });
    this.wakeAt(now + STORE_TIMING.settleMs);
  }

  private wakeAt(at: number): void {
    if (this.settleAt === undefined || at < this.settleAt) this.settleAt = at;
  }

  /** A file still being written: its last good version meanwhile, reported once it has kept changing for long. */
  private waiting<T>(relative: string): Outcome<T> | undefined {
    const pending = this.pending.get(relative)!;
    const changingMs = performance.now() - pending.changingSince;
    if (changingMs >= STORE_TIMING.reportChangingAfterMs) {
      return this.fallback(relative, {
        file: relative,
        message: `still being written: it has kept changing for ${Math.round(changingMs / 1000)} s`,
        severity: "warning",
      });
    }
    const good = this.entries.get(relative)?.good;
    return good !== undefined ? { value: good as T } : undefined;
  }
}

/**
 * Whether the file's last change was to its metadata, not its content (a
 * rename into place, a chmod): every write sets the change time and the
 * modification time alike, so a later change time means the content was
 * complete before it.
 */
function completedBeforeLastChange(stats: Stats): boolean {
  return stats.ctimeMs > stats.mtimeMs;
}

/** An object or array that parses: a JSON document cut short never does. */
function isWholeJson(text: string): boolean {
  const start = text.trimStart()[0];
  if (start !== "{" && start !== "[") return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A folder or file that could not be read. */
function unreadable(file: string, err: unknown): FileProblem {
  const e = errnoOf(err);
  return { file, message: `cannot read: ${e ? describeErrno(e) : String(err)}`, severity: "error", unreadable: true };
}

function problemOf(err: unknown, file: string): FileProblem {
  if (err instanceof DocumentError) {
    return { file, pointer: err.pointer, message: err.message, severity: "error" };
  }
  const e = errnoOf(err);
  if (e && PERSISTENT.has(e.code!)) {
    const what = e.code === "ELOOP" ? "symbolic link loop" : "name too long";
    return { file, message: `cannot read: ${what} (${e.code})`, severity: "error" };
  }
  if (e) return unreadable(file, err);
  return { file, message: err instanceof Error ? err.message : String(err), severity: "error" };
}
