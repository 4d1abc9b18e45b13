import path from "node:path";

/**
 * A data-directory-relative path for `dir/name`, cleaned the way Matchbox's
 * file store cleans it: as if rooted at `/`, so `..` can never leave the data
 * directory (but can reach a sibling folder). Undefined for a name with NUL.
 */
export function dataRelativePath(dir: string, name: string): string | undefined {
  if (name.includes("\0")) return undefined;
  const cleaned = path.posix.normalize("/" + dir + "/" + name);
  const relative = cleaned.replace(/^\/+/, "").replace(/\/+$/, "");
  return relative;
}
