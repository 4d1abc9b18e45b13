import { openSync, closeSync, read } from "node:fs";
import { Readable } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import { oneLine } from "../errors.js";
import { TEXT_PLAIN } from "../http/respond.js";
import type { Snapshot } from "../store/snapshot.js";
import { declaredFor, type ImageCache } from "./cache.js";
import type { DeclaredFile } from "./declaration.js";
import type { Transfer } from "./download.js";
import type { ImageMetrics } from "./metrics.js";

/** Answers a request itself (the reply), or leaves it to the assets serving that follows (undefined). */
export type AssetsHook = (request: FastifyRequest, reply: FastifyReply, relative: string) => Promise<FastifyReply | undefined>;

const CHUNK_BYTES = 1024 * 1024;

/**
 * How long a plain GET of a file being fetched waits for the verified file
 * before it is answered with the bytes as they arrive: long enough that a
 * small or fast download is answered as any asset (or with its failure),
 * short enough that a client does not sit silent through a long download.
 */
export const STREAM_AFTER_MS = 5_000;

/**
 * Reads a download's temporary file while it is being written, for the first
 * clients of a file. The last byte is held back until the file is verified:
 * a client never receives a whole file that turns out not to match its
 * digest; it gets a connection cut short instead, which firmware and iPXE
 * treat as a failed download.
 */
class TransferReader extends Readable {
  private position = 0;
  private reading = false;
  private readonly fd: number;

  constructor(private readonly transfer: Transfer) {
    super({ highWaterMark: CHUNK_BYTES });
    // Opened now: the file keeps its inode when it is renamed into place.
    this.fd = openSync(transfer.tempPath, "r");
  }

  override _read(): void {
    this.pump();
  }

  private pump(): void {
    if (this.reading || this.destroyed) return;
    const t = this.transfer;
    if (t.failure) {
      this.destroy(t.failure);
      return;
    }
    const allowed = t.verified ? t.written : Math.max(0, t.written - 1);
    if (this.position >= allowed) {
      if (t.verified) {
        this.push(null);
        return;
      }
      const wake = () => {
        t.off("progress", wake);
        t.off("end", wake);
        this.pump();
      };
      t.on("progress", wake);
      t.on("end", wake);
      return;
    }
    this.reading = true;
    const length = Math.min(CHUNK_BYTES, allowed - this.position);
    read(this.fd, Buffer.allocUnsafe(length), 0, length, this.position, (err, n, buffer) => {
      this.reading = false;
      if (err) return this.destroy(err);
      this.position += n;
      if (this.push(n === length ? buffer : buffer.subarray(0, n))) this.pump();
    });
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    closeSync(this.fd);
    callback(err);
  }
}

function sendFailure(reply: FastifyReply, status: number, reason: string, retryAfterMs?: number): FastifyReply {
  reply.request.outcome.reason = "image fetch failed";
  reply.request.outcome.error = oneLine(reason);
  if (retryAfterMs !== undefined) reply.header("retry-after", String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
  return reply.code(status).header("content-type", TEXT_PLAIN).header("x-content-type-options", "nosniff").send(`${status} ${oneLine(reason)}\n`);
}

/** The first response of a file being fetched, streamed as it arrives (Content-Length when the size is known). */
async function streamTransfer(reply: FastifyReply, transfer: Transfer): Promise<FastifyReply | undefined> {
  if (transfer.total === undefined && transfer.written === 0 && !transfer.verified && !transfer.failure) {
    // Wait for the upstream's headers (or the end) to learn the size.
    await new Promise<void>((resolve) => {
      const done = () => {
        transfer.off("progress", done);
        transfer.off("end", done);
        resolve();
      };
      transfer.on("progress", done);
      transfer.on("end", done);
    });
  }
  if (transfer.failure || transfer.verified) return undefined;
  let body: TransferReader;
  try {
    body = new TransferReader(transfer);
  } catch {
    return undefined; // renamed into place meanwhile: served from disk
  }
  reply.code(200).header("content-type", "application/octet-stream").header("x-netboot-cache", "miss");
  if (transfer.total !== undefined) reply.header("content-length", String(transfer.total));
  return reply.send(body);
}

/**
 * The hook in front of assets serving for declared OS image files: a file on
 * disk is left to the normal serving; one that is not is fetched (once for
 * every request that wants it), verified and stored first. HEAD of a file
 * whose size is declared is answered without fetching. A plain GET waits for
 * the verified file up to STREAM_AFTER_MS, then gets the bytes as they
 * arrive, all but the last one before the digest is checked; a Range, a HEAD
 * without a size, and every later request wait for the verified file and get
 * the normal serving.
 */
export function imagesHook(cache: ImageCache, snapshot: () => Snapshot, metrics?: ImageMetrics): AssetsHook {
  return async (request, reply, relative) => {
    if (request.method !== "GET" && request.method !== "HEAD") return undefined;
    const declared = declaredFor(snapshot());
    const file: DeclaredFile | undefined = declared.get(relative);
    if (!file) return undefined;
    if (await cache.isCached(file)) {
      metrics?.request("hit");
      return undefined;
    }
    request.outcome.endpoint = "/assets/";
    if (request.method === "HEAD" && file.size !== undefined && !cache.inFlight(file)) {
      const failed = cache.failure(file);
      if (failed) {
        metrics?.request("failed");
        return sendFailure(reply, failed.status, failed.reason, failed.until - Date.now());
      }
      metrics?.request("miss");
      return reply.code(200).header("content-type", "application/octet-stream").header("accept-ranges", "bytes").header("content-length", String(file.size)).header("x-netboot-cache", "miss").send();
    }
    let job;
    try {
      job = await cache.ensure(file, declared.values());
    } catch (err) {
      metrics?.request("failed");
      const e = err as { status?: number; message: string; retryAfterMs?: number };
      return sendFailure(reply, e.status ?? 500, e.message, e.retryAfterMs);
    }
    metrics?.request("miss");
    if (request.method === "GET" && request.headers.range === undefined) {
      // A download that ends soon is answered as any asset, or with its failure; a longer one is streamed.
      let timer: NodeJS.Timeout | undefined;
      const ended = await Promise.race([
        job.done.then(
          () => true,
          () => true,
        ),
        new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), STREAM_AFTER_MS))),
      ]);
      clearTimeout(timer);
      if (!ended) {
        const streamed = await streamTransfer(reply, job.transfer);
        if (streamed) return streamed;
      }
    }
    try {
      await job.done;
    } catch (err) {
      const e = err as { status?: number; message: string };
      return sendFailure(reply, e.status ?? 500, e.message);
    }
    return undefined;
  };
}
