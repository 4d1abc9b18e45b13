import { createHash, randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import path from "node:path";
import { digestMismatch, disagreement, listedEntry, parseChecksumList } from "./checksums.js";
import { resolveReference, type DeclaredFile } from "./declaration.js";
import { verifyCleartext, verifyDetached, verifyDetachedFile } from "./signatures.js";
import { fetchDocument, openUpstream, upstreamFailure, UPSTREAM_LIMITS, UpstreamError } from "./upstream.js";
import { syncDirectory } from "../util/atomic-write.js";

/**
 * The cache's hidden folder in the assets directory, never served: `partial/`
 * holds downloads until they are verified, `stored/` a record of each file
 * the cache stored (what `netboot assets gc` may remove).
 */
export const FETCH_FOLDER = ".netboot-images";
const PARTIAL = path.join(FETCH_FOLDER, "partial");
const STORED = path.join(FETCH_FOLDER, "stored");

/** What the cache recorded about a file it stored. */
export interface StoredRecord {
  relative: string;
  url: string;
  sha256: string;
  sha512?: string;
  size: number;
  at: string;
}

/** Records that the cache stored a file (written atomically; a crash before it only means gc leaves the file alone). */
async function recordStored(assetsRoot: string, record: StoredRecord): Promise<void> {
  const file = path.join(assetsRoot, STORED, `${record.relative}.json`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = path.join(assetsRoot, PARTIAL, `${randomBytes(8).toString("hex")}.json`);
  await fs.writeFile(temp, JSON.stringify(record) + "\n");
  await fs.rename(temp, file);
}

/** Every file the cache recorded as stored, by assets-relative path. */
export async function storedRecords(assetsRoot: string): Promise<StoredRecord[]> {
  const root = path.join(assetsRoot, STORED);
  const names = await fs.readdir(root, { recursive: true }).catch(() => [] as string[]);
  const records: StoredRecord[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    try {
      const record = JSON.parse(await fs.readFile(path.join(root, name), "utf8")) as StoredRecord;
      if (record.relative === name.slice(0, -".json".length).split(path.sep).join("/")) records.push(record);
    } catch {
      // Unreadable or being replaced: skipped.
    }
  }
  return records;
}

/** Forgets a stored file's record (after the file is removed). */
export async function forgetStored(assetsRoot: string, relative: string): Promise<void> {
  await fs.rm(path.join(assetsRoot, STORED, `${relative}.json`), { force: true });
}

const WRITE_BATCH_BYTES = 1024 * 1024;

/** The file arrived but is not the declared one: nothing is stored. */
export class VerificationError extends Error {
  readonly status = 502;
  constructor(
    readonly kind: "digest" | "size" | "signature" | "checksum-list",
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "VerificationError";
  }
}

/** Storing the file would take the cache over its byte budget. */
export class BudgetError extends Error {
  readonly status = 507;
  constructor(message: string) {
    super(message);
    this.name = "BudgetError";
  }
}

/**
 * One download in progress: the temporary file it writes, how much is written,
 * the total once known. Emits `progress` after each write, and `end` once the
 * file is verified and in place (or the download failed).
 */
export class Transfer extends EventEmitter {
  written = 0;
  total: number | undefined;
  /** Set once the file is verified and renamed into place. */
  verified = false;
  failure: Error | undefined;

  constructor(
    readonly file: DeclaredFile,
    readonly tempPath: string,
  ) {
    super();
    this.setMaxListeners(0);
  }
}

export interface DownloadOptions {
  /** Called with the bytes of each chunk received (metrics, progress bars). */
  onBytes?: (n: number) => void;
  /** Checks, once the size is known (and as bytes arrive without one), that storing this many bytes stays within the budget. */
  checkBudget?: (bytes: number) => void;
  signal?: AbortSignal;
}

/** The real assets folder, and the real folder a file lands in, refusing any that resolves outside it (a symlinked folder). */
async function targetPath(assetsRoot: string, relative: string): Promise<string> {
  const root = await fs.realpath(assetsRoot);
  const target = path.join(root, relative);
  const inside = (real: string) => real === root || real.startsWith(root + path.sep);
  const refuse = () => new UpstreamError(`refused: ${relative} would be stored outside the assets folder`);
  // The folders that exist are checked before any is created, so nothing is made outside either.
  let existing = path.dirname(target);
  for (;;) {
    const real = await fs.realpath(existing).catch(() => undefined);
    if (real !== undefined) {
      if (!inside(real)) throw refuse();
      break;
    }
    existing = path.dirname(existing);
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const parent = await fs.realpath(path.dirname(target));
  if (!inside(parent)) throw refuse();
  return path.join(parent, path.basename(target));
}

/** A new temporary file in the fetch folder, and the transfer that writes it. */
export async function startTransfer(assetsRoot: string, file: DeclaredFile): Promise<Transfer> {
  const folder = path.join(assetsRoot, PARTIAL);
  await fs.mkdir(folder, { recursive: true, mode: 0o700 });
  const temp = path.join(folder, `${randomBytes(8).toString("hex")}.part`);
  await fs.writeFile(temp, "", { mode: 0o644 });
  return new Transfer(file, temp);
}

/** Removes whatever a previous run left half-written. */
export async function cleanFetchFolder(assetsRoot: string): Promise<number> {
  const folder = path.join(assetsRoot, PARTIAL);
  let names: string[];
  try {
    names = await fs.readdir(folder);
  } catch {
    return 0;
  }
  await Promise.all(names.map((name) => fs.rm(path.join(folder, name), { recursive: true, force: true })));
  return names.length;
}

/** Checks the signatures a declaration asks for: the file's detached signature, and its entry in each signed checksum list. */
async function checkSignatures(transfer: Transfer, digests: { sha256?: string; sha512?: string }, signal?: AbortSignal): Promise<string[]> {
  const { file } = transfer;
  const pinned = file.source.signatures;
  if (!pinned) return [];
  const checked: string[] = [];
  if (file.signature) {
    const url = resolveReference(file.source.url, file.signature);
    const signature = await fetchDocument(url, 1024 * 1024, signal);
    try {
      await verifyDetachedFile(transfer.tempPath, signature, pinned);
    } catch (err) {
      throw new VerificationError("signature", `${file.relative}: ${(err as Error).message} (${url})`, { signatureUrl: url });
    }
    checked.push(url);
  }
  for (const list of file.source.checksums ?? []) {
    const url = resolveReference(file.source.url, list.name);
    const document = await fetchDocument(url, UPSTREAM_LIMITS.maxDocumentBytes, signal);
    let text: string;
    try {
      if (list.signature) {
        const signatureUrl = resolveReference(file.source.url, list.signature);
        await verifyDetached(document, await fetchDocument(signatureUrl, 1024 * 1024, signal), pinned);
        text = document.toString("utf8");
      } else {
        text = await verifyCleartext(document.toString("utf8"), pinned);
      }
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      throw new VerificationError("checksum-list", `${file.relative}: checksum list ${url}: ${(err as Error).message}`, { listUrl: url });
    }
    const entry = listedEntry(parseChecksumList(text), file.name);
    // A per-file list (Flatcar's x.DIGESTS.asc) names only its own file.
    if (!entry) continue;
    const differs = disagreement(entry, digests);
    if (differs) throw new VerificationError("checksum-list", `${file.relative}: the signed checksum list ${url} disagrees: ${differs}`, { listUrl: url });
    checked.push(url);
  }
  if ((file.source.checksums?.length ?? 0) > 0 && !checked.some((u) => file.source.checksums!.some((c) => resolveReference(file.source.url, c.name) === u))) {
    throw new VerificationError("checksum-list", `${file.relative}: no signed checksum list of the source names this file`);
  }
  return checked;
}

/**
 * Downloads a declared file into the transfer's temporary file, verifies its
 * size, digests and signatures, and only then renames it into place under the
 * assets folder (after an fsync of the file and of its folder). On any
 * failure the temporary file is removed and nothing is stored.
 */
export async function download(assetsRoot: string, transfer: Transfer, options: DownloadOptions = {}): Promise<{ bytes: number; sha256: string; signatures: string[] }> {
  const { file } = transfer;
  const handle = await fs.open(transfer.tempPath, "w");
  let closed = false;
  try {
    const upstream = await openUpstream(file.url, options.signal);
    if (file.size !== undefined && upstream.length !== undefined && upstream.length !== file.size) {
      upstream.body.destroy();
      throw new VerificationError("size", `${file.relative}: upstream ${upstream.url} sends ${upstream.length} bytes, the declaration says ${file.size}`);
    }
    const total = file.size ?? upstream.length;
    const limit = file.size ?? UPSTREAM_LIMITS.maxFileBytes;
    if (total !== undefined && total > limit) {
      upstream.body.destroy();
      throw new UpstreamError(`upstream ${upstream.url} is ${total} bytes, more than the ${limit} allowed`);
    }
    if (total !== undefined) options.checkBudget?.(total);
    transfer.total = total;
    transfer.emit("progress");
    const sha256 = createHash("sha256");
    const sha512 = file.sha512 !== undefined || (file.source.checksums?.length ?? 0) > 0 ? createHash("sha512") : undefined;
    // Chunks are written in batches of about 1 MiB: fewer system calls, and fewer wake-ups of the clients following the file.
    let batch: Buffer[] = [];
    let batched = 0;
    const flush = async () => {
      if (batched === 0) return;
      const buffers = batch;
      const length = batched;
      batch = [];
      batched = 0;
      await handle.writev(buffers);
      transfer.written += length;
      options.onBytes?.(length);
      transfer.emit("progress");
    };
    try {
      for await (const chunk of upstream.body) {
        const buffer = chunk as Buffer;
        if (transfer.written + batched + buffer.length > limit) {
          upstream.body.destroy();
          throw new VerificationError("size", `${file.relative}: upstream ${upstream.url} sends more than ${limit} bytes`);
        }
        if (total === undefined) options.checkBudget?.(transfer.written + batched + buffer.length);
        sha256.update(buffer);
        sha512?.update(buffer);
        batch.push(buffer);
        batched += buffer.length;
        if (batched >= WRITE_BATCH_BYTES) await flush();
      }
      await flush();
    } catch (err) {
      if (err instanceof VerificationError || err instanceof BudgetError) throw err;
      throw upstreamFailure(err, upstream.url);
    }
    if (file.size !== undefined && transfer.written !== file.size) {
      throw new VerificationError("size", `${file.relative}: upstream ${upstream.url} sent ${transfer.written} bytes, the declaration says ${file.size}`);
    }
    await handle.sync();
    await handle.close();
    closed = true;
    const digests = { sha256: sha256.digest("hex"), ...(sha512 ? { sha512: sha512.digest("hex") } : {}) };
    const mismatch = digestMismatch(file, digests);
    if (mismatch) {
      const { algorithm, expected, actual } = mismatch;
      throw new VerificationError("digest", `${file.relative}: ${algorithm} mismatch: declared ${expected}, upstream sent ${actual}`, { url: upstream.url, algorithm, expected, actual });
    }
    const signatures = await checkSignatures(transfer, digests, options.signal);
    const target = await targetPath(assetsRoot, file.relative);
    await fs.rename(transfer.tempPath, target);
    await syncDirectory(path.dirname(target));
    transfer.total = transfer.written;
    await recordStored(assetsRoot, { relative: file.relative, url: upstream.url, ...digests, size: transfer.written, at: new Date().toISOString() });
    return { bytes: transfer.written, sha256: digests.sha256, signatures };
  } catch (err) {
    if (!closed) await handle.close().catch(() => undefined);
    await fs.rm(transfer.tempPath, { force: true });
    throw err;
  }
}
