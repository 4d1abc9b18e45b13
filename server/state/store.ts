import { watch, type FSWatcher, type Stats } from "node:fs";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "pino";
import { syncDirectory, writeFileAtomic } from "../util/atomic-write.js";
import { emptyRecord } from "../util/record.js";
import { decodeState, encodeState, labelValues, macOfStateFile, stateFileName, type MachineState, type RememberedLabel } from "./record.js";

/** Defaults of the bounds on what the state directory may hold. */
export const STATE_LIMITS = {
  /** Machines remembered; beyond this, new machines are refused (never evicted). */
  maxMachines: 10_000,
  /** Bytes of one machine's file. */
  maxFileBytes: 64 * 1024,
} as const;

export type RefusalReason = "max-machines" | "too-large" | "write-failed";

/** A change of what is remembered, or a change refused, for metrics. */
export type StateEvent = { kind: "remember" | "forget"; mac: string } | { kind: "refused"; mac: string; reason: RefusalReason };

export interface StateProblem {
  /** The file's name in the state directory. */
  file: string;
  message: string;
}

export type RecordResult =
  | { result: "unchanged" }
  | { result: "remembered"; labels: Record<string, string> }
  | { result: "refused"; reason: RefusalReason; message: string };

export interface ForgetResult {
  /** A file was removed (a valid state, or one that could not be read). */
  removed: boolean;
  /** What was remembered, when the file was a valid state. */
  state?: MachineState;
}

export interface MachineStateOptions {
  logger: Logger;
  maxMachines?: number;
  maxFileBytes?: number;
  /** Follow changes others make to the directory (`netboot machines forget -state-path`); default true. */
  watch?: boolean;
  /** Only read: the directory must exist, and nothing in it is created or removed (for looking from the command line). */
  readOnly?: boolean;
  /** Re-read the directory at least this often, for file systems without change events (ms; 0 disables). */
  pollIntervalMs?: number;
  onEvent?: (event: StateEvent) => void;
}

/** Temporary files older than this are left over from a crash and removed at start. */
const STALE_TEMP_MS = 60_000;
const TEMP_FILE = /^\..+\.tmp$/;
/** Files read at once at start and on a rescan. */
const BATCH = 16;

const errorCode = (err: unknown) => (err as NodeJS.ErrnoException).code;
const signatureOf = (st: Stats) => `${st.ino}:${st.size}:${st.mtimeMs}`;

/**
 * The labels each machine remembers from sticky groups, one small JSON file
 * per machine in a directory: read at start, kept in memory for matching
 * (a lookup is a map access), written atomically (temporary file, fsync,
 * rename, fsync of the directory) before the answer that caused the change is
 * sent. Changes to one machine are serialised; different machines proceed in
 * parallel. A file that cannot be read is reported and its machine treated as
 * unknown; nothing is ever evicted to make room.
 */
export class MachineStateStore {
  private readonly machines = new Map<string, MachineState>();
  private readonly valuesOf = new WeakMap<MachineState, Readonly<Record<string, string>>>();
  /** File signature (inode, size, mtime) last seen for each machine, so unchanged files are not read again. */
  private readonly signatures = new Map<string, string>();
  private readonly fileProblems = new Map<string, StateProblem & { signature: string }>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** New machines being written: they count against the cap before they land. */
  private creating = 0;
  private readonly maxMachines: number;
  private readonly maxFileBytes: number;
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private rescanning: Promise<void> | undefined;
  private readonly pendingRefresh = new Map<string, NodeJS.Timeout>();
  private closed = false;

  private constructor(
    readonly dir: string,
    private readonly options: MachineStateOptions,
  ) {
    this.maxMachines = options.maxMachines ?? STATE_LIMITS.maxMachines;
    this.maxFileBytes = options.maxFileBytes ?? STATE_LIMITS.maxFileBytes;
  }

  /** Opens (creating it if needed) and reads a state directory. */
  static async open(dir: string, options: MachineStateOptions): Promise<MachineStateStore> {
    const store = new MachineStateStore(path.resolve(dir), options);
    if (!options.readOnly) await mkdir(store.dir, { recursive: true, mode: 0o750 });
    const st = await stat(store.dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new Error(`state path ${store.dir} is not a directory`);
    if (!options.readOnly) await store.removeStaleTemporaryFiles();
    await store.rescan();
    options.logger.info({ statePath: store.dir, machines: store.machines.size, problems: store.fileProblems.size, maxMachines: store.maxMachines }, "machine state loaded");
    if (store.machines.size > store.maxMachines) {
      options.logger.warn({ machines: store.machines.size, maxMachines: store.maxMachines }, "more machines remembered than -state-max-machines: all are kept, new ones are refused");
    }
    if (options.watch ?? true) {
      store.watchDirectory();
      store.schedulePoll();
    }
    return store;
  }

  get size(): number {
    return this.machines.size;
  }

  get capacity(): number {
    return this.maxMachines;
  }

  /** A machine's state, by canonical MAC. */
  get(mac: string): MachineState | undefined {
    return this.machines.get(mac);
  }

  /** A machine's remembered labels as plain values, or undefined when it remembers none (made once per state: a state is replaced, never changed). */
  labelsOf(mac: string): Readonly<Record<string, string>> | undefined {
    const state = this.machines.get(mac);
    if (!state) return undefined;
    let values = this.valuesOf.get(state);
    if (!values) this.valuesOf.set(state, (values = labelValues(state)));
    return values;
  }

  /** Every remembered machine, by MAC. */
  list(): MachineState[] {
    return [...this.machines.values()].sort((a, b) => (a.mac < b.mac ? -1 : a.mac > b.mac ? 1 : 0));
  }

  /** State files that could not be read (their machines are treated as unknown). */
  problems(): StateProblem[] {
    return [...this.fileProblems.values()].map(({ file, message }) => ({ file, message })).sort((a, b) => (a.file < b.file ? -1 : 1));
  }

  /**
   * Adds labels to what a machine remembers (a label it remembers already is
   * given the new value). Resolves once the change is on disk, or refused.
   */
  async record(mac: string, labels: Readonly<Record<string, string>>, source: { group: string; endpoint: string }, now = new Date()): Promise<RecordResult> {
    if (this.remembersAll(mac, labels)) return { result: "unchanged" };
    return this.withLock(mac, async (): Promise<RecordResult> => {
      const current = this.machines.get(mac);
      const next: MachineState = { mac, labels: Object.assign(emptyRecord<RememberedLabel>(), current?.labels) };
      const changed: Record<string, string> = Object.create(null);
      for (const key in labels) {
        const value = labels[key]!;
        if (next.labels[key]?.value === value) continue;
        next.labels[key] = { value, setAt: now.toISOString(), group: source.group, endpoint: source.endpoint };
        changed[key] = value;
      }
      if (Object.keys(changed).length === 0) return { result: "unchanged" };
      if (!current && this.machines.size + this.creating >= this.maxMachines) {
        return this.refuse(mac, changed, "max-machines", `${this.maxMachines} machines are remembered already (-state-max-machines); nothing is evicted to make room`);
      }
      const text = encodeState(next);
      if (Buffer.byteLength(text, "utf8") > this.maxFileBytes) {
        return this.refuse(mac, changed, "too-large", `the state would take ${Buffer.byteLength(text, "utf8")} bytes, more than the ${this.maxFileBytes}-byte limit of one machine`);
      }
      if (!current) this.creating++;
      try {
        await this.writeAtomically(mac, text);
        this.machines.set(mac, next);
      } catch (err) {
        return this.refuse(mac, changed, "write-failed", `cannot write ${stateFileName(mac)}: ${(err as Error).message}`);
      } finally {
        if (!current) this.creating--;
      }
      this.fileProblems.delete(stateFileName(mac));
      this.options.logger.info({ mac, remembered: { ...changed }, group: source.group, endpoint: source.endpoint }, "machine state: labels remembered");
      this.options.onEvent?.({ kind: "remember", mac });
      return { result: "remembered", labels: changed };
    });
  }

  /** Forgets a machine: removes its file (also one that could not be read). */
  async forget(mac: string, via: string): Promise<ForgetResult> {
    return this.withLock(mac, async () => {
      const state = this.machines.get(mac);
      const file = path.join(this.dir, stateFileName(mac));
      let removed = true;
      try {
        await rm(file);
      } catch (err) {
        if (errorCode(err) !== "ENOENT") throw err;
        removed = false;
      }
      if (removed) await syncDirectory(this.dir);
      this.drop(mac);
      if (removed) {
        this.options.logger.info({ mac, labels: state ? labelValues(state) : null, via }, "machine state forgotten");
        this.options.onEvent?.({ kind: "forget", mac });
      }
      return { removed, ...(state ? { state } : {}) };
    });
  }

  /** Reads the directory again: new, changed and removed files (changes made by others). */
  rescan(): Promise<void> {
    this.rescanning ??= this.runRescan().finally(() => {
      this.rescanning = undefined;
    });
    return this.rescanning;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.poll);
    for (const timer of this.pendingRefresh.values()) clearTimeout(timer);
    this.pendingRefresh.clear();
  }

  private remembersAll(mac: string, labels: Readonly<Record<string, string>>): boolean {
    const current = this.machines.get(mac);
    if (!current) return false;
    for (const key in labels) if (current.labels[key]?.value !== labels[key]) return false;
    return true;
  }

  private refuse(mac: string, labels: Record<string, string>, reason: RefusalReason, message: string): RecordResult {
    this.options.logger.error({ mac, labels: { ...labels }, reason }, `machine state not remembered: ${message}`);
    this.options.onEvent?.({ kind: "refused", mac, reason });
    return { result: "refused", reason, message };
  }

  /** Runs `fn` after every earlier operation on the same machine (whatever their outcome). */
  private withLock<T>(mac: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(mac) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(mac, tail);
    void tail.then(() => {
      if (this.locks.get(mac) === tail) this.locks.delete(mac);
    });
    return run;
  }

  private async writeAtomically(mac: string, text: string): Promise<void> {
    const final = path.join(this.dir, stateFileName(mac));
    await writeFileAtomic(final, text, { mode: 0o640, durable: true });
    this.signatures.set(mac, signatureOf(await stat(final)));
  }

  private drop(mac: string): void {
    this.machines.delete(mac);
    this.signatures.delete(mac);
    this.fileProblems.delete(stateFileName(mac));
  }

  private problem(mac: string, signature: string, message: string): void {
    const file = stateFileName(mac);
    this.machines.delete(mac);
    const known = this.fileProblems.get(file);
    if (known?.signature === signature && known.message === message) return;
    this.fileProblems.set(file, { file, message, signature });
    this.options.logger.error({ file: path.join(this.dir, file), mac }, `machine state file ${file} ${message}: the machine is treated as unknown until it is remembered again or forgotten`);
  }

  /** Brings one machine's memory in line with its file. Runs under the machine's lock. */
  private async refresh(mac: string): Promise<void> {
    const file = path.join(this.dir, stateFileName(mac));
    let st: Stats;
    try {
      st = await stat(file);
    } catch (err) {
      if (errorCode(err) === "ENOENT") {
        const state = this.machines.get(mac);
        this.drop(mac);
        if (state) {
          this.options.logger.info({ mac, labels: labelValues(state) }, "machine state forgotten (its file was removed)");
          this.options.onEvent?.({ kind: "forget", mac });
        }
      } else {
        this.problem(mac, "", `cannot be read (${errorCode(err) ?? (err as Error).message})`);
      }
      return;
    }
    const signature = signatureOf(st);
    if (this.signatures.get(mac) === signature && (this.machines.has(mac) || this.fileProblems.has(stateFileName(mac)))) return;
    this.signatures.set(mac, signature);
    if (!st.isFile()) return this.problem(mac, signature, "is not a regular file");
    if (st.size > this.maxFileBytes) return this.problem(mac, signature, `is larger than the ${this.maxFileBytes}-byte limit`);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      return this.problem(mac, signature, `cannot be read (${errorCode(err) ?? (err as Error).message})`);
    }
    try {
      this.machines.set(mac, decodeState(text, mac));
      this.fileProblems.delete(stateFileName(mac));
    } catch (err) {
      this.problem(mac, signature, (err as Error).message);
    }
  }

  private async runRescan(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      this.options.logger.error({ statePath: this.dir, err }, "machine state: cannot list the state directory");
      return;
    }
    const candidates = new Set<string>();
    for (const name of names) {
      const mac = macOfStateFile(name);
      if (mac !== undefined) candidates.add(mac);
    }
    // Machines whose files are gone, and problems that may have been cleared.
    for (const mac of this.machines.keys()) candidates.add(mac);
    for (const file of this.fileProblems.keys()) {
      const mac = macOfStateFile(file);
      if (mac !== undefined) candidates.add(mac);
    }
    const all = [...candidates];
    for (let i = 0; i < all.length; i += BATCH) {
      await Promise.all(all.slice(i, i + BATCH).map((mac) => this.withLock(mac, () => this.refresh(mac))));
    }
  }

  private async removeStaleTemporaryFiles(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!TEMP_FILE.test(name)) continue;
      const file = path.join(this.dir, name);
      try {
        if (Date.now() - (await stat(file)).mtimeMs > STALE_TEMP_MS) await rm(file, { force: true });
      } catch {
        // Gone already, or not ours to remove.
      }
    }
  }

  private watchDirectory(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        const mac = typeof name === "string" ? macOfStateFile(name) : undefined;
        if (mac !== undefined) this.scheduleRefresh(mac);
        else if (typeof name !== "string") void this.rescan();
      });
      this.watcher.on("error", () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (err) {
      this.options.logger.warn({ statePath: this.dir, err }, "machine state: cannot watch the state directory; changes by others are read every poll");
    }
  }

  /** A change event for one file: read it again once the events settle. */
  private scheduleRefresh(mac: string): void {
    if (this.closed) return;
    clearTimeout(this.pendingRefresh.get(mac));
    const timer = setTimeout(() => {
      this.pendingRefresh.delete(mac);
      void this.withLock(mac, () => this.refresh(mac));
    }, 50);
    timer.unref();
    this.pendingRefresh.set(mac, timer);
  }

  private schedulePoll(): void {
    const interval = this.options.pollIntervalMs ?? 30_000;
    if (this.closed || interval <= 0) return;
    this.poll = setTimeout(() => {
      if (!this.watcher && !this.closed) this.watchDirectory();
      void this.rescan().finally(() => this.schedulePoll());
    }, interval);
    this.poll.unref();
  }
}
