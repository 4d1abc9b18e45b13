import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { FileCache, loadSnapshot, problemKey } from "./loader.js";
import { replacePlaceholderOrigin } from "./server-url.js";
import type { Snapshot } from "./snapshot.js";
import { STORE_TIMING } from "./timing.js";
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
  /** Replaces the placeholder origin in every file with this URL (-server-url). */
  serverUrl?: string;
  /** Called after every reload attempt (for metrics). */
  onReload?: (result: { snapshot: Snapshot; durationMs: number; newProblems: readonly FileProblem[] }) => void;
}

/** Folders of the data directory whose changes trigger a reload. */
const WATCHED_FOLDERS = ["", "groups", "profiles", "ignition", "generic", "cloud", "sources"];

function describeProblem(p: FileProblem): string {
  return `${p.file}${p.pointer ? ` ${p.pointer}` : ""}: ${p.message}`;
}

/** The data directory could not be read at start: there is no earlier version to serve. */
export class DataDirectoryError extends Error {
  constructor(
    dataDir: string,
    readonly problems: readonly FileProblem[],
  ) {
    super(`cannot read the data directory ${dataDir}: ${problems.map(describeProblem).join("; ")}`);
    this.name = "DataDirectoryError";
  }
}

const unreadableProblems = (snapshot: Snapshot) => snapshot.problems.filter((p) => p.unreadable);

interface QueuedReload {
  reason: string;
  settle: boolean;
  promise: Promise<Snapshot>;
  resolve: (snapshot: Snapshot) => void;
  reject: (err: unknown) => void;
}

/**
 * Holds the current snapshot of a data directory and replaces it when files
 * change. Readers take `store.current` once per request.
 */
export class DataStore {
  private snapshot!: Snapshot;
  private readonly cache: FileCache;
  private watchers = new Map<string, FSWatcher>();
  private debounce: NodeJS.Timeout | undefined;
  /** performance.now() of the first change event the pending debounce waits on. */
  private firstEventAt: number | undefined;
  private poll: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  /** Loads in a row that could not read everything (for the retry backoff). */
  private unreadableLoads = 0;
  private reloading: Promise<Snapshot> | undefined;
  private queued: QueuedReload | undefined;
  /** Set once open: reloads then follow changes, polls and retries. */
  private watching = false;
  private lastLoadMs = 0;
  private closed = false;

  private constructor(
    readonly dataDir: string,
    private readonly options: DataStoreOptions,
  ) {
    const url = options.serverUrl;
    this.cache = new FileCache(url === undefined ? undefined : (text) => replacePlaceholderOrigin(text, url));
  }

  /**
   * Loads the data directory and, by default, watches it. A data directory
   * that cannot be read (retried a few times) is refused with a
   * DataDirectoryError: serving nothing would answer every machine "no group".
   */
  static async open(dataDir: string, options: DataStoreOptions): Promise<DataStore> {
    const store = new DataStore(path.resolve(dataDir), options);
    let snapshot = await store.request("start", false);
    for (let attempt = 1; attempt < STORE_TIMING.startAttempts && unreadableProblems(snapshot).length > 0; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, STORE_TIMING.retryFirstMs * 2 ** (attempt - 1)));
      snapshot = await store.request("start", false);
    }
    const unreadable = unreadableProblems(snapshot);
    if (unreadable.length > 0) {
      store.close();
      throw new DataDirectoryError(store.dataDir, unreadable);
    }
    if (options.watch ?? true) {
      store.watching = true;
      store.watchFolders();
      store.scheduleFollowUps(false);
    }
    return store;
  }

  get current(): Snapshot {
    return this.snapshot;
  }

  /**
   * Loads the data directory again, reading every changed file at once (an
   * explicit reload: SIGHUP, or a caller that knows the files are complete).
   * A call during a load waits for one more load, shared by all such calls.
   */
  reload(reason: string): Promise<Snapshot> {
    return this.request(reason, false);
  }

  /** A reload of the store's own (change, poll, retry): files still being written are left until they settle. */
  private reloadSoon(reason: string): void {
    this.request(reason, true).catch((err: unknown) => this.options.logger.error({ err }, "data directory reload failed"));
  }

  private request(reason: string, settle: boolean): Promise<Snapshot> {
    if (!this.reloading) return this.start(reason, settle);
    if (this.queued) {
      // An explicit reload waiting behind another load reads everything.
      this.queued.settle &&= settle;
      return this.queued.promise;
    }
    let resolve!: (snapshot: Snapshot) => void;
    let reject!: (err: unknown) => void;
    const promise = new Promise<Snapshot>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.queued = { reason, settle, promise, resolve, reject };
    return promise;
  }

  private start(reason: string, settle: boolean): Promise<Snapshot> {
    const run = this.runReload(reason, settle).finally(() => {
      this.reloading = undefined;
      const next = this.queued;
      this.queued = undefined;
      if (!next) return;
      if (this.closed) next.resolve(this.snapshot);
      else this.start(next.reason, next.settle).then(next.resolve, next.reject);
    });
    this.reloading = run;
    return run;
  }

  private async runReload(reason: string, settle: boolean): Promise<Snapshot> {
    const started = performance.now();
    const previous = this.snapshot;
    const next = await loadSnapshot(this.dataDir, this.cache, (previous?.generation ?? 0) + 1, { settle });
    const durationMs = performance.now() - started;
    const known = new Set((previous?.problems ?? []).map(problemKey));
    // A warning is the same object for as long as its file is unchanged (the loader keeps what it read): logged once per file version.
    const earlier = new Set(previous?.problems ?? []);
    const newProblems = next.problems.filter((p) => (p.severity === "warning" ? !earlier.has(p) : !known.has(problemKey(p))));
    const current = new Set(next.problems.map(problemKey));
    const resolved = (previous?.problems ?? []).filter((p) => !current.has(problemKey(p)));
    const log = this.options.logger;
    for (const p of newProblems) {
      const fields = { file: p.file, pointer: p.pointer, servingLastGood: p.servingLastGood ?? false, ...(p.unreadable ? { unreadable: true } : {}) };
      const text = `${describeProblem(p)}${p.servingLastGood ? " (serving its last good version)" : ""}`;
      if (p.severity === "error") log.error(fields, text);
      else log.warn(fields, text);
    }
    for (const p of resolved) log.info({ file: p.file, pointer: p.pointer }, `no longer a problem: ${describeProblem(p)}`);
    const unreadable = unreadableProblems(next).length;
    const changed = !previous || previous.groups.length !== next.groups.length || newProblems.length > 0 || resolved.length > 0;
    if ((reason !== "poll" && reason !== "retry") || changed) {
      const fields = {
        reason,
        groups: next.groups.length,
        profiles: next.profiles.size,
        templates: next.templates.size,
        problems: next.problems.length,
        ...(unreadable > 0 ? { unreadable } : {}),
        durationMs: Math.round(durationMs),
      };
      if (unreadable > 0) log.warn(fields, "data directory loaded, but not all of it could be read: the last good version of what could not be read is served");
      else log.info(fields, "data directory loaded");
    }
    this.snapshot = next;
    this.lastLoadMs = durationMs;
    if (this.watching) {
      this.watchFolders();
      this.scheduleFollowUps(unreadable > 0);
    }
    this.options.onReload?.({ snapshot: next, durationMs, newProblems });
    return next;
  }

  /**
   * After a load: the next poll, and a retry soon when the load could not
   * read everything (backing off, but never waiting as long as the poll) or
   * left a file that was still being written.
   */
  private scheduleFollowUps(unreadable: boolean): void {
    this.schedulePoll(this.lastLoadMs);
    clearTimeout(this.retry);
    this.retry = undefined;
    this.unreadableLoads = unreadable ? this.unreadableLoads + 1 : 0;
    let delay = Infinity;
    if (unreadable) {
      const backoff = Math.min(STORE_TIMING.retryFirstMs * 2 ** (this.unreadableLoads - 1), STORE_TIMING.retryMaxMs);
      // A large directory is not reloaded more than a tenth of the time.
      delay = Math.max(backoff, 10 * this.lastLoadMs);
    }
    const settle = this.cache.settleDelayMs();
    if (settle !== undefined) delay = Math.min(delay, settle + 5);
    if (delay === Infinity) return;
    this.retry = setTimeout(() => this.reloadSoon("retry"), delay);
    this.retry.unref();
  }

  private schedulePoll(lastLoadMs: number): void {
    const base = this.options.pollIntervalMs ?? 10_000;
    clearTimeout(this.poll);
    if (!this.watching || base <= 0) return;
    this.poll = setTimeout(() => this.reloadSoon("poll"), Math.max(base, 20 * lastLoadMs));
    this.poll.unref();
  }

  /** Reloads once change events have been quiet for a moment, and at most a little after the first of them. */
  private scheduleReload(): void {
    if (!this.watching) return;
    const now = performance.now();
    this.firstEventAt ??= now;
    clearTimeout(this.debounce);
    const delay = Math.max(0, Math.min(STORE_TIMING.debounceMs, this.firstEventAt + STORE_TIMING.maxDebounceMs - now));
    this.debounce = setTimeout(() => {
      this.firstEventAt = undefined;
      this.reloadSoon("change");
    }, delay);
    this.debounce.unref();
  }

  /** (Re)attaches a watcher to each folder that exists; folders may appear or be replaced later. */
  private watchFolders(): void {
    if (!this.watching) return;
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
    this.watching = false;
    clearTimeout(this.debounce);
    clearTimeout(this.poll);
    clearTimeout(this.retry);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }
}
