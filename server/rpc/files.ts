import { chmod, mkdir, readFile, stat, unlink } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";

/** Modes of what the API creates, as Matchbox creates them. */
const FILE_MODE = 0o644;
const DIRECTORY_MODE = 0o755;

/** A file operation that failed; the message names the data-relative file and the cause, never the data directory's path. */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataFileError";
  }
}

const READ_ONLY_CODES = new Set(["EROFS", "EACCES", "EPERM"]);

function failure(action: string, relative: string, err: unknown): DataFileError {
  const code = (err as NodeJS.ErrnoException).code ?? "error";
  if (READ_ONLY_CODES.has(code)) return new DataFileError(`cannot ${action} ${relative}: data directory is read-only (${code})`);
  if (code === "EISDIR") return new DataFileError(`cannot ${action} ${relative}: it is a folder`);
  if (code === "ENOTDIR") return new DataFileError(`cannot ${action} ${relative}: a part of its path is a file`);
  return new DataFileError(`cannot ${action} ${relative}: ${code}`);
}

/**
 * Reads and writes files of a data directory by data-relative path (already
 * checked to stay inside their folder). Writes are atomic: a temporary file
 * in the same folder, synced, then renamed over the target, so the server
 * never loads half a file.
 */
export class DataFiles {
  constructor(readonly root: string) {}

  private absolute(relative: string): string {
    return path.join(this.root, relative);
  }

  async write(relative: string, bytes: Buffer): Promise<void> {
    const target = this.absolute(relative);
    const directory = path.dirname(target);
    try {
      const created = await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
      // The umask may have narrowed the mode of the folders just made.
      for (let folder = directory; created !== undefined && folder.length >= created.length; folder = path.dirname(folder)) {
        await chmod(folder, DIRECTORY_MODE);
      }
      await writeFileAtomic(target, bytes, { mode: FILE_MODE, durable: true });
    } catch (err) {
      throw failure("write", relative, err);
    }
  }

  /** Removes a file; false when there is none. */
  async remove(relative: string): Promise<boolean> {
    try {
      await unlink(this.absolute(relative));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw failure("delete", relative, err);
    }
  }

  /** A file's bytes; undefined when there is no such file. Files over `maxBytes` are refused. */
  async read(relative: string, maxBytes: number): Promise<Buffer | undefined> {
    try {
      const info = await stat(this.absolute(relative));
      if (info.isDirectory()) throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
      if (info.size > maxBytes) throw new DataFileError(`cannot read ${relative}: larger than ${maxBytes} bytes`);
      return await readFile(this.absolute(relative));
    } catch (err) {
      if (err instanceof DataFileError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw failure("read", relative, err);
    }
  }

  async exists(relative: string): Promise<boolean> {
    try {
      await stat(this.absolute(relative));
      return true;
    } catch {
      return false;
    }
  }
}
