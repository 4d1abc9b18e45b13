/** Digests of one file, by algorithm, as a checksum list gives them. */
export interface ListedDigests {
  md5?: string;
  sha1?: string;
  sha256?: string;
  sha512?: string;
}

const ALGORITHM_BY_LENGTH: Record<number, keyof ListedDigests> = { 32: "md5", 40: "sha1", 64: "sha256", 128: "sha512" };

/**
 * Reads a checksum list in `sha256sum` form (`<hex>  name`, `<hex> *name`,
 * names possibly starting with `./`), which also covers Gentoo-style DIGESTS
 * files (Flatcar's: `# SHA512 HASH` headers, then such lines): the algorithm
 * of each line is told by its digest's length. Comment and blank lines, and
 * lines that are neither, are skipped.
 */
export function parseChecksumList(text: string): Map<string, ListedDigests> {
  const listed = new Map<string, ListedDigests>();
  for (const raw of text.split(/\r?\n/)) {
    const match = /^([0-9a-fA-F]+) [ *]?(\S.*?)\s*$/.exec(raw);
    if (!match) continue;
    const algorithm = ALGORITHM_BY_LENGTH[match[1]!.length];
    if (!algorithm) continue;
    const name = match[2]!.replace(/^\*/, "").replace(/^\.\//, "");
    const entry = listed.get(name) ?? {};
    entry[algorithm] = match[1]!.toLowerCase();
    listed.set(name, entry);
  }
  return listed;
}

/**
 * The entry of a list for a file: by its name relative to the list's folder,
 * or by its last segment (a per-file DIGESTS names the file alone).
 */
export function listedEntry(list: Map<string, ListedDigests>, name: string): ListedDigests | undefined {
  return list.get(name) ?? list.get(name.slice(name.lastIndexOf("/") + 1));
}

/**
 * Why a file's digests disagree with a list's entry, or undefined when every
 * algorithm both know agrees (and there is at least one).
 */
export function disagreement(entry: ListedDigests, digests: { sha256?: string; sha512?: string }): string | undefined {
  let compared = 0;
  for (const algorithm of ["sha256", "sha512"] as const) {
    const listed = entry[algorithm];
    const actual = digests[algorithm];
    if (listed === undefined || actual === undefined) continue;
    compared++;
    if (listed !== actual) return `${algorithm} listed ${listed}, file has ${actual}`;
  }
  return compared === 0 ? "the list gives no sha256 or sha512 digest for it" : undefined;
}

/** The first digest a declaration gives that the file's digests contradict, or undefined. */
export function digestMismatch(
  declared: { sha256?: string; sha512?: string },
  actual: { sha256?: string; sha512?: string },
): { algorithm: "sha256" | "sha512"; expected: string; actual: string | undefined } | undefined {
  for (const algorithm of ["sha256", "sha512"] as const) {
    const expected = declared[algorithm];
    if (expected !== undefined && expected !== actual[algorithm]) return { algorithm, expected, actual: actual[algorithm] };
  }
  return undefined;
}
