import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** A throw-away data directory laid out from `relative path → content`. */
export function makeDataDir(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(path.join(tmpdir(), "netboot-data-"));
  writeFiles(root, files);
  return root;
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [relative, content] of Object.entries(files)) {
    const target = path.join(root, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
}

export function removeDir(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

export const json = (value: unknown) => JSON.stringify(value, null, 2);
