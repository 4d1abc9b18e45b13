import { promises as fs } from "node:fs";
import path from "node:path";
import type { DeclaredFile, Source } from "../images/declaration.js";
import { bootTexts } from "../store/fields.js";
import type { Profile } from "../store/types.js";
import type { Problem } from "./problems.js";

const ASSETS_PREFIX = "/assets/";

export interface AssetReference {
  pointer: string;
  /** The URL path as written, e.g. `/assets/fedora-coreos/kernel`. */
  urlPath: string;
  /** Written as a full URL (`http://host/assets/…`): maybe this server, maybe another. */
  absolute: boolean;
}

const URL_PREFIX = /^[a-z][a-z0-9+.-]*:\/\/[^/\s]*/i;

/** Whitespace-separated words of `text` that are (or, after `name=`, hold) an `/assets/…` path, local or in a full URL. */
function assetPaths(text: string): { urlPath: string; absolute: boolean }[] {
  const found: { urlPath: string; absolute: boolean }[] = [];
  for (const word of text.split(/\s+/)) {
    let value = word.startsWith(ASSETS_PREFIX) || URL_PREFIX.test(word) ? word : word.slice(word.indexOf("=") + 1);
    const absolute = URL_PREFIX.test(value);
    if (absolute) value = value.replace(URL_PREFIX, "");
    if (!value.startsWith(ASSETS_PREFIX) || value.includes("${")) continue;
    found.push({ urlPath: value.replace(/[?#].*$/, ""), absolute });
  }
  return found;
}

/** Asset paths in a profile's kernel, initrd and args, each with its place in the document. */
export function assetReferences(profile: Profile): AssetReference[] {
  const boot = profile.boot;
  if (!boot) return [];
  return bootTexts(boot).flatMap(({ pointer, text }) => assetPaths(text).map((found) => ({ pointer, ...found })));
}

/** The assets-relative path a URL path names, or a reason it names none. */
function assetRelative(urlPath: string): string | { reason: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.slice(ASSETS_PREFIX.length));
  } catch {
    return { reason: `${urlPath} has an invalid percent escape` };
  }
  if (decoded.includes("\0")) return { reason: `${urlPath} contains a NUL byte` };
  return path.posix.normalize("/" + decoded).slice(1);
}

/**
 * Every asset a profile boots from must be a file in the assets directory or
 * declared in sources/ (then fetched on first use). Without an assets
 * directory, and for full URLs (which may name another server), only paths in
 * a declared source's folder are checked: there, a name no declaration gives
 * is a mistake.
 */
export async function checkAssets(profiles: Iterable<Profile>, assetsRoot: string | undefined, sources: readonly Source[], declared: ReadonlyMap<string, DeclaredFile>): Promise<Problem[]> {
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
      const relative = assetRelative(reference.urlPath);
      if (typeof relative !== "string") {
        if (assetsRoot !== undefined && !reference.absolute) problems.push({ file: profile.file, pointer: reference.pointer, severity: "error", reason: relative.reason });
        continue;
      }
      if (declared.has(relative)) continue;
      const onDisk = assetsRoot !== undefined && (await isFile(path.join(assetsRoot, relative)));
      if (onDisk) continue;
      const source = sources.find((s) => relative.startsWith(s.path + "/"));
      if (source) {
        problems.push({ file: profile.file, pointer: reference.pointer, severity: "error", reason: `asset ${reference.urlPath} is in the folder of ${source.file}, which does not declare it${assetsRoot !== undefined ? ", and is not a file in the assets directory" : ""}` });
      } else if (assetsRoot !== undefined && !reference.absolute) {
        problems.push({ file: profile.file, pointer: reference.pointer, severity: "error", reason: `asset ${reference.urlPath} is neither a file in the assets directory nor declared in sources/` });
      }
    }
  }
  return problems;
}
