import { promises as fs } from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import type { Snapshot } from "../store/snapshot.js";
import { declaredFiles, type DeclaredFile } from "./declaration.js";
import { BudgetError, cleanFetchFolder, download, startTransfer, Transfer, VerificationError } from "./download.js";
import type { ImageMetrics } from "./metrics.js";
import { UpstreamError } from "./upstream.js";

/** How long a failed fetch answers from its failure before the next request tries again: doubling from the first, up to the max. */
export const FAILURE_BACKOFF = { firstMs: 1_000, maxMs: 60_000 } as const;

/** A fetch that failed: what to answer, until when. */
export interface FetchFailure {
  status: number;
  reason: string;
  /** Epoch ms until which requests get this answer without a new fetch. */
  until: number;
  count: number;
}

export interface ImageCacheOptions {
  assetsRoot: string;
  logger: Logger;
  /** Bytes the declared files on disk, plus downloads in flight, may take; undefined: no budget. */
  maxBytes?: number;
  metrics?: ImageMetrics;
  backoff?: { firstMs: number; maxMs: number };
  now?: () => number;
}

const declaredBySnapshot = new WeakMap<Snapshot, Map<string, DeclaredFile>>();

/** The files a snapshot's sources declare, by assets-relative path (computed once per snapshot). */
export function declaredFor(snapshot: Snapshot): Map<string, DeclaredFile> {
  let files = declaredBySnapshot.get(snapshot);
  if (!files) {
    files = declaredFiles(snapshot.sources);
    declaredBySnapshot.set(snapshot, files);
  }
  return files;
}

/** What identifies a declaration of a file: a changed digest or URL is a new file, tried at once. */
function identity(file: DeclaredFile): string {
  return `${file.relative}\0${file.url}\0${file.sha256 ?? ""}\0${file.sha512 ?? ""}`;
}

function statusOf(err: unknown): number {
  if (err instanceof UpstreamError || err instanceof VerificationError || err instanceof BudgetError) return err.status;
  return 500;
}

/**
 * The pull-through cache of declared OS image files. A file is fetched once
 * however many requests ask for it at the same time (they share one
 * transfer); a failure answers the requests that follow for a short, growing
 * while without a new fetch.
 */
export class ImageCache {
  private readonly inflight = new Map<string, { transfer: Transfer; done: Promise<void> }>();
  /** Fetches whose temporary file is still being created: later requests join them instead of creating another. */
  private readonly starting = new Map<string, Promise<{ transfer: Transfer; done: Promise<void> }>>();
  private readonly failures = new Map<string, FetchFailure>();
  private readonly backoff: { firstMs: number; maxMs: number };
  private readonly now: () => number;

  constructor(private readonly options: ImageCacheOptions) {
    this.backoff = options.backoff ?? FAILURE_BACKOFF;
    this.now = options.now ?? Date.now;
  }

  get assetsRoot(): string {
    return this.options.assetsRoot;
  }

  /** Removes downloads a previous run left half-written (call once at start). */
  async start(): Promise<void> {
    const removed = await cleanFetchFolder(this.options.assetsRoot);
    if (removed > 0) this.options.logger.info({ removed }, "removed unfinished image downloads");
  }

  /** Whether the file is in the assets folder (served from disk without fetching). */
  async isCached(file: DeclaredFile): Promise<boolean> {
    return fs.stat(path.join(this.options.assetsRoot, file.relative)).then(
      (st) => st.isFile(),
      () => false,
    );
  }

  /** A failure still answering for this file, if any. */
  failure(file: DeclaredFile): FetchFailure | undefined {
    const failure = this.failures.get(identity(file));
    return failure && failure.until > this.now() ? failure : undefined;
  }

  /** The transfer in flight for this file, if any. */
  inFlight(file: DeclaredFile): { transfer: Transfer; done: Promise<void> } | undefined {
    return this.inflight.get(identity(file));
  }

  /** Bytes the declared files on disk take, other than `except`. */
  async usedBytes(declared: Iterable<DeclaredFile>, except?: DeclaredFile): Promise<number> {
    let used = 0;
    const seen = new Set<string>();
    for (const file of declared) {
      if (file === except || seen.has(file.relative)) continue;
      seen.add(file.relative);
      const st = await fs.stat(path.join(this.options.assetsRoot, file.relative)).catch(() => undefined);
      if (st?.isFile()) used += st.size;
    }
    return used;
  }

  /**
   * Starts (or joins) the one fetch of a file. Resolves once the transfer has
   * started; its `done` settles when the file is verified and in place, or
   * rejects with the failure. A recent failure rejects at once.
   */
  ensure(file: DeclaredFile, declared: Iterable<DeclaredFile>): Promise<{ transfer: Transfer; done: Promise<void> }> {
    const key = identity(file);
    const running = this.inflight.get(key);
    if (running) return Promise.resolve(running);
    const starting = this.starting.get(key);
    if (starting) return starting;
    const failed = this.failure(file);
    if (failed) return Promise.reject(Object.assign(new Error(failed.reason), { status: failed.status, retryAfterMs: failed.until - this.now() }));
    const started = startTransfer(this.options.assetsRoot, file).then((transfer) => {
      const job = { transfer, done: this.run(file, transfer, declared, key) };
      this.inflight.set(key, job);
      job.done.catch(() => undefined).finally(() => this.inflight.delete(key));
      return job;
    });
    this.starting.set(key, started);
    void started.catch(() => undefined).finally(() => this.starting.delete(key));
    return started;
  }

  private async run(file: DeclaredFile, transfer: Transfer, declared: Iterable<DeclaredFile>, key: string): Promise<void> {
    const { logger, metrics, maxBytes } = this.options;
    const started = performance.now();
    metrics?.fetchStarted();
    try {
      let checkBudget: ((bytes: number) => void) | undefined;
      if (maxBytes !== undefined) {
        const used = await this.usedBytes(declared, file);
        checkBudget = (bytes) => {
          let others = 0;
          for (const job of this.inflight.values()) if (job.transfer !== transfer) others += job.transfer.total ?? job.transfer.written;
          if (used + others + bytes > maxBytes) {
            throw new BudgetError(
              `assets cache budget exceeded: ${file.relative} needs ${bytes} bytes, ${used + others} of ${maxBytes} are in use (raise -assets-cache-max-bytes, or run netboot assets gc)`,
            );
          }
        };
      }
      const result = await download(this.options.assetsRoot, transfer, { ...(checkBudget ? { checkBudget } : {}), onBytes: (n) => metrics?.fetchedBytes(n) });
      this.failures.delete(key);
      transfer.verified = true;
      transfer.emit("end");
      metrics?.fetchEnded("ok");
      logger.info(
        { file: file.relative, url: file.url, bytes: result.bytes, sha256: result.sha256, signatures: result.signatures, durationMs: Math.round(performance.now() - started) },
        "image fetched and verified",
      );
    } catch (err) {
      const status = statusOf(err);
      const previous = this.failures.get(key);
      const count = (previous?.count ?? 0) + 1;
      const wait = Math.min(this.backoff.firstMs * 2 ** (count - 1), this.backoff.maxMs);
      const reason = (err as Error).message;
      this.failures.set(key, { status, reason, until: this.now() + wait, count });
      transfer.failure = err as Error;
      transfer.emit("end");
      const kind = err instanceof VerificationError ? err.kind : err instanceof BudgetError ? "budget" : err instanceof UpstreamError ? (err.status === 504 ? "timeout" : "upstream") : "error";
      metrics?.fetchEnded(kind);
      if (err instanceof VerificationError) metrics?.verificationFailed(err.kind);
      logger.error(
        {
          file: file.relative,
          url: file.url,
          status,
          ...(err instanceof VerificationError ? err.details : {}),
          declaredSha256: file.sha256,
          declaredSha512: file.sha512,
          retryInMs: wait,
          ...(statusOf(err) === 500 ? { err } : {}),
        },
        `image fetch failed: ${reason}`,
      );
      throw err;
    }
  }
}
