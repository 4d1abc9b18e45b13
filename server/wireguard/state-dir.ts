/**
 * Reading and writing the state directory. Files are replaced atomically
 * (write a temporary file, then rename), secrets with mode 0600. Reading
 * follows symlinks, so a mounted Kubernetes Secret (whose files point through
 * a `..data` symlink that is swapped on update) reads like a plain directory.
 */
import { createHash } from "node:crypto";
import { watch } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../util/atomic-write.js";
import { parseStateFiles, STATE_FILES, stateFiles, type WireGuardState } from "./state.js";

export async function readStateFiles(dir: string): Promise<Record<string, string | undefined>> {
  const files: Record<string, string | undefined> = {};
  for (const name of Object.values(STATE_FILES)) {
    try {
      files[name] = await readFile(join(dir, name), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
  }
  return files;
}

export async function readStateDir(dir: string): Promise<WireGuardState> {
  return parseStateFiles(await readStateFiles(dir));
}

/** A digest of the state files' contents: it changes exactly when the state may have. */
export function filesFingerprint(files: Readonly<Record<string, string | undefined>>): string {
  const hash = createHash("sha256");
  for (const name of Object.values(STATE_FILES)) hash.update(`${name}\0${files[name] ?? "\u0001missing"}\0`);
  return hash.digest("hex");
}

export async function stateFingerprint(dir: string): Promise<string> {
  return filesFingerprint(await readStateFiles(dir));
}

/** Where the sidecar reads its state from: a directory (e.g. a mounted Secret) or the API. */
export interface StateSource {
  /** For log lines. */
  label: string;
  readFiles(): Promise<Record<string, string | undefined>>;
  /** Calls `onChange` when the files may have changed; returns a stop function. The poll covers sources without it. */
  watch?(onChange: () => void, log: (message: string) => void): () => void;
}

export function directorySource(dir: string): StateSource {
  return {
    label: dir,
    readFiles: () => readStateFiles(dir),
    watch(onChange, log) {
      try {
        const watcher = watch(dir, () => onChange());
        watcher.on("error", (err) => log(`watching ${dir} failed (${err.message}); polling only`));
        return () => watcher.close();
      } catch (err) {
        log(`cannot watch ${dir} (${(err as Error).message}); polling only`);
        return () => {};
      }
    },
  };
}

export async function stateDirExists(dir: string): Promise<boolean> {
  try {
    await stat(join(dir, STATE_FILES.server));
    return true;
  } catch {
    return false;
  }
}

export async function writeStateDir(dir: string, state: WireGuardState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const file of stateFiles(state)) await writeFileAtomic(join(dir, file.name), file.content, { mode: file.mode });
}
