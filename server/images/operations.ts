import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import path from "node:path";
import type { ImageCache } from "./cache.js";
import { digestMismatch } from "./checksums.js";
import type { DeclaredFile } from "./declaration.js";
import { forgetStored, storedRecords } from "./download.js";

export type FileState = "cached" | "missing" | "corrupt";

export interface FileStatus {
  file: DeclaredFile;
  state: FileState;
  /** Bytes on disk, when there is a file. */
  size?: number;
  /** Why a file on disk is corrupt. */
  reason?: string;
}

async function digestsOf(file: string, sha512: boolean): Promise<{ sha256: string; sha512?: string }> {
  const h256 = createHash("sha256");
  const h512 = sha512 ? createHash("sha512") : undefined;
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    h256.update(chunk as Buffer);
    h512?.update(chunk as Buffer);
  }
  return { sha256: h256.digest("hex"), ...(h512 ? { sha512: h512.digest("hex") } : {}) };
}

/** Whether a declared file is on disk and matches its size and digests (the file is read whole). */
export async function fileStatus(assetsRoot: string, file: DeclaredFile): Promise<FileStatus> {
  const absolute = path.join(assetsRoot, file.relative);
  const st = await fs.stat(absolute).catch(() => undefined);
  if (!st) return { file, state: "missing" };
  if (!st.isFile()) return { file, state: "corrupt", reason: "is not a regular file" };
  if (file.size !== undefined && st.size !== file.size) return { file, state: "corrupt", size: st.size, reason: `${st.size} bytes, declared ${file.size}` };
  const actual = await digestsOf(absolute, file.sha512 !== undefined);
  const mismatch = digestMismatch(file, actual);
  if (mismatch) return { file, state: "corrupt", size: st.size, reason: `${mismatch.algorithm} ${mismatch.actual}, declared ${mismatch.expected}` };
  return { file, state: "cached", size: st.size };
}

export interface PullResult {
  fetched: DeclaredFile[];
  present: DeclaredFile[];
  failed: { file: DeclaredFile; reason: string }[];
}

/**
 * Fetches every declared file that is missing or corrupt (one at a time,
 * through the same verified, atomic path as serving). `onProgress` is told
 * each file's bytes as they arrive.
 */
export async function pullAll(cache: ImageCache, declared: readonly DeclaredFile[], onProgress?: (file: DeclaredFile, written: number, total: number | undefined) => void): Promise<PullResult> {
  const result: PullResult = { fetched: [], present: [], failed: [] };
  for (const file of declared) {
    const status = await fileStatus(cache.assetsRoot, file);
    if (status.state === "cached") {
      result.present.push(file);
      continue;
    }
    try {
      const job = await cache.ensure(file, declared);
      const report = () => onProgress?.(file, job.transfer.written, job.transfer.total);
      job.transfer.on("progress", report);
      try {
        await job.done;
      } finally {
        job.transfer.off("progress", report);
      }
      result.fetched.push(file);
    } catch (err) {
      result.failed.push({ file, reason: (err as Error).message });
    }
  }
  return result;
}

/** Removes the files the cache stored that no declaration names any more (files put there by hand are never touched). */
export async function collectGarbage(assetsRoot: string, declared: ReadonlyMap<string, DeclaredFile>, dryRun: boolean): Promise<{ removed: string[]; bytes: number }> {
  const removed: string[] = [];
  let bytes = 0;
  for (const record of await storedRecords(assetsRoot)) {
    if (declared.has(record.relative)) continue;
    const absolute = path.join(assetsRoot, record.relative);
    const st = await fs.lstat(absolute).catch(() => undefined);
    if (st?.isFile()) bytes += st.size;
    removed.push(record.relative);
    if (dryRun) continue;
    await fs.rm(absolute, { force: true });
    await forgetStored(assetsRoot, record.relative);
    // Folders left empty go too, up to the assets root.
    for (let dir = path.dirname(absolute); dir.startsWith(assetsRoot + path.sep); dir = path.dirname(dir)) {
      if ((await fs.readdir(dir).catch(() => ["?"])).length > 0) break;
      await fs.rmdir(dir).catch(() => undefined);
    }
  }
  return { removed, bytes };
}
