import { promises as fs } from "node:fs";
import path from "node:path";
import type { Profile } from "../store/types.js";
import type { Problem } from "./problems.js";

const ASSETS_PREFIX = "/assets/";

export interface AssetReference {
  pointer: string;
  /** The URL path as written, e.g. `/assets/fedora-coreos/kernel`. */
  urlPath: string;
}

/** Whitespace-separated words of `text` that are (or, after `name=`, hold) a local `/assets/…` path. */
function localAssetPaths(text: string): string[] {
  const found: string[] = [];
  for (const word of text.split(/\s+/)) {
    const value = word.startsWith(ASSETS_PREFIX) ? word : word.slice(word.indexOf("=") + 1);
    if (!value.startsWith(ASSETS_PREFIX) || value.includes("${")) continue;
    found.push(value.replace(/[?#].*$/, ""));
  }
  return found;
}

/** Local asset paths in a profile's kernel, initrd and args, each with its place in the document. */
export function assetReferences(profile: Profile): AssetReference[] {
  const boot = profile.boot;
  if (!boot) return [];
  const references: AssetReference[] = [];
  const add = (pointer: string, text: string) => {
    for (const urlPath of localAssetPaths(text)) references.push({ pointer, urlPath });
  };
  add("/boot/kernel", boot.kernel);
  boot.initrd.forEach((initrd, i) => add(`/boot/initrd/${i}`, initrd));
  boot.args.forEach((arg, i) => add(`/boot/args/${i}`, arg));
  return references;
}

/** The file under `assetsRoot` a URL path names, or a reason it names none. */
function assetFile(assetsRoot: string, urlPath: string): string | { reason: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.slice(ASSETS_PREFIX.length));
  } catch {
    return { reason: `${urlPath} has an invalid percent escape` };
  }
  if (decoded.includes("\0")) return { reason: `${urlPath} contains a NUL byte` };
  const cleaned = path.posix.normalize("/" + decoded);
  return path.join(assetsRoot, cleaned);
}

/** Every local asset a profile boots from must be a file in the assets directory. */
export async function checkAssets(profiles: Iterable<Profile>, assetsRoot: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const known = new Map<string, Promise<boolean>>();
  const isFile = (file: string) => {
    let result = known.get(file);
    if (!result) {
      result = fs.stat(file).then((s) => s.isFile(), () => false);
      known.set(file, result);
    }
    return result;
  };
  for (const profile of profiles) {
    for (const reference of assetReferences(profile)) {
      const file = assetFile(assetsRoot, reference.urlPath);
      if (typeof file !== "string") {
        problems.push({ file: profile.file, pointer: reference.pointer, severity: "error", reason: file.reason });
      } else if (!(await isFile(file))) {
        problems.push({ file: profile.file, pointer: reference.pointer, severity: "error", reason: `asset ${reference.urlPath} is not a file in the assets directory` });
      }
    }
  }
  return problems;
}
