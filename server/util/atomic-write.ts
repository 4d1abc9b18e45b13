import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import path from "node:path";

export interface AtomicWriteOptions {
  /** The file's mode, whatever the umask (default 0644). */
  mode?: number;
  /** Flush the file and its folder's entry to disk before resolving (survives a power cut). */
  durable?: boolean;
}

/**
 * Writes a file so that a reader sees the old content or the new, never a
 * part: into `.<name>.<random>.tmp` beside it (a name no loader takes for a
 * document), then renamed over it. The temporary file is removed on failure.
 */
export async function writeFileAtomic(target: string, content: string | Uint8Array, { mode = 0o644, durable = false }: AtomicWriteOptions = {}): Promise<void> {
  const folder = path.dirname(target);
  const temporary = path.join(folder, `.${path.basename(target)}.${randomBytes(6).toString("hex")}.tmp`);
  let handle;
  try {
    handle = await open(temporary, "wx", mode);
    await handle.writeFile(content);
    await handle.chmod(mode); // the umask may have narrowed it
    if (durable) await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    throw err;
  }
  if (durable) await syncDirectory(folder);
}

/** Flushes a folder's entries (a rename) to disk; file systems that cannot do it are left to their own guarantees. */
export async function syncDirectory(folder: string): Promise<void> {
  const handle = await open(folder, "r");
  try {
    await handle.sync();
  } catch (err) {
    if (!["EINVAL", "ENOTSUP", "EISDIR", "EPERM"].includes((err as NodeJS.ErrnoException).code ?? "")) throw err;
  } finally {
    await handle.close();
  }
}
