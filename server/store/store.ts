import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { FileCache, loadSnapshot } from "./loader.js";
import type { Snapshot } from "./snapshot.js";
import type { FileProblem } from "./types.js";

export interface DataStoreOptions {
  logger: Logger;
  /** Watch the data directory and reload on change (default true). */
  watch?: boolean;
  /**
   * Reload at least this often even without a change event, as a safety net
   * for file systems without change events (ms; 0 disables). The interval
   * grows with the directory so polling costs at most ~5% of a core.
   */
  pollIntervalMs?: number;
  /** Called after every reload attempt (for metrics). */
  onReload?: (result: { snapshot: Snapshot; durationMs: number; newProblems: readonly FileProblem[] }) => void;
}

/** Folders of the data directory whose changes trigger a reload. */
const WATCHED_FOLDERS = ["", "groups", "profiles", "ignition", "generic", "cloud"];
/** Editors write in several steps: wait for quiet before reloading. */
const DEBOUNCE_MS = 100;

function problemKey(p: FileProblem): string {
  return `${p.file}\0${p.pointer ?? ""}\0${p.message}`;
}

/**
 * Holds the current snapshot of a data directory and replaces it when files
 * change. Readers take `store.current` once per request.
 */
export class DataStore {
  private snapshot!: Snapshot;
  private readonly cache = new FileCache();
  private watchers = new Map<string, FSWatcher>();
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private reloading: Promise<Snapshot> | undefined;
  private reloadAgain = false;
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly options: DataStoreOptions,
  ) {}

  static async open(dataDir: string, options: DataStoreOptions): Promise<DataStore> {
    const store = new DataStore(path.resolve(dataDir), options);
    await store.reload("start");
    if (options.watch ?? true) {
      store.watchFolders();
    }
    return store;
  }

  get current(): Snapshot {
    return this.snapshot;
  }

  /** Loads the data directory again; concurrent calls share one load and queue at most one more. */
  reload(reason: string): Promise<Snapshot> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = this.runReload(reason).finally(() => {
      this.reloading = undefined;
      if (this.reloadAgain && !this.closed) {
        this.reloadAgain = false;
        void this.reload("queued change");
      }
    });
    return this.reloading;
  }

  /**
   * A reload that started after this call, for a writer that must see its own
   * change: a load already running may have read the folder before the write.
   */
  async reloadFresh(reason: string): Promise<Snapshot> {
    if (this.reloading) {
      this.reloadAgain = true;
      await this.reloading;
      // The running load's end started the queued one (unless the store closed).
      if (this.reloading) return this.reloading;
    }
    return this.reload(reason);
  }

  private async runReload(reason: string): Promise<Snapshot> {
    const started = performance.now();
    const previous = this.snapshot;
    const next = await loadSnapshot(this.dataDir, this.cache, (previous?.generation ?? 0) + 1);
    const durationMs = performance.now() - started;
    const known = new Set((previous?.problems ?? []).map(problemKey));
    const newProblems = next.problems.filter((p) => !known.has(problemKey(p)));
    const log = this.options.logger;
    for (const p of newProblems) {
      log.error(
        { file: p.file, pointer: p.pointer, servingLastGood: p.servingLastGood ?? false },
        `${p.file}${p.pointer ? ` ${p.pointer}` : ""}: ${p.message}${p.servingLastGood ? " (serving its last good version)" : ""}`,
      );
    }
    const changed = !previous || previous.groups.length !== next.groups.length || newProblems.length > 0;
    if (reason !== "poll" || changed) {
      log.info(
        { reason, groups: next.groups.length, profiles: next.profiles.size, templates: next.templates.size, problems: next.problems.length, durationMs: Math.round(durationMs) },
        "data directory loaded",
      );
    }
    this.snapshot = next;
    if (!this.closed) {
      this.watchFolders();
      this.schedulePoll(durationMs);
    }
    this.options.onReload?.({ snapshot: next, durationMs, newProblems });
    return next;
  }

  private schedulePoll(lastLoadMs: number): void {
    const base = this.options.pollIntervalMs ?? 10_000;
    if (this.closed || !(this.options.watch ?? true) || base <= 0) return;
    clearTimeout(this.poll);
    this.poll = setTimeout(() => void this.reload("poll"), Math.max(base, 20 * lastLoadMs));
    this.poll.unref();
  }

  private scheduleReload(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.reload("change"), DEBOUNCE_MS);
    this.debounce.unref();
  }

  /** (Re)attaches a watcher to each folder that exists; folders may appear or be replaced later. */
  private watchFolders(): void {
    if (!(this.options.watch ?? true)) return;
    for (const folder of WATCHED_FOLDERS) {
      const directory = path.join(this.dataDir, folder);
      if (this.watchers.has(directory)) continue;
      try {
        const watcher = watch(directory, { persistent: false }, (_event, name) => {
          // A folder replaced as a whole (deleted and created again) needs a new watcher.
          if (folder === "" && typeof name === "string" && WATCHED_FOLDERS.includes(name)) {
            this.watchers.get(path.join(this.dataDir, name))?.close();
            this.watchers.delete(path.join(this.dataDir, name));
          }
          this.scheduleReload();
        });
        watcher.on("error", () => {
          watcher.close();
          this.watchers.delete(directory);
          this.scheduleReload();
        });
        this.watchers.set(directory, watcher);
      } catch {
        // Not there (yet): the next reload tries again.
      }
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.poll);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
