import { DocumentError, escapePointer, schemaError } from "../store/document.js";
import type { SchemaValidator } from "../util/json-schema.js";
import { validateSourceCode } from "./source-validator.generated.js";

/**
 * An OS image source: files under one folder of the assets directory, each
 * fetched from `url` + its name and verified against its digest before it is
 * served. Declared in `sources/*.yaml` (or `.json`) of the data directory.
 */
export interface Source {
  /** Data-relative path of the declaration, e.g. `sources/fedora-coreos.yaml`. */
  readonly file: string;
  /** Folder under the assets directory, e.g. `fedora-coreos/42.20250901.3.0` (no leading or trailing slash). */
  readonly path: string;
  /** Upstream base URL; a file's URL is this joined with its name. */
  readonly url: string;
  readonly files: readonly SourceFile[];
  /** OpenPGP keys pinned for this source's signatures. */
  readonly signatures?: SignatureKeys;
  /** Signed checksum lists that must list every file of the source with its digest. */
  readonly checksums?: readonly ChecksumList[];
}

export interface SourceFile {
  /** Relative to the source's path; may hold sub-folders (`debian-installer/amd64/linux`). */
  readonly name: string;
  readonly sha256?: string;
  readonly sha512?: string;
  readonly size?: number;
  /** A detached OpenPGP signature of the file: a URL, or a name relative to the source's url. */
  readonly signature?: string;
}

export interface SignatureKeys {
  /** ASCII-armored public key(s). */
  readonly keys: string;
  /** When given, only these primary keys (or their subkeys) may sign; upper-case hex, no spaces. */
  readonly fingerprints?: readonly string[];
}

export interface ChecksumList {
  /** The list (`SHA256SUMS`, `x.DIGESTS`, or a cleartext-signed `x.DIGESTS.asc`): a URL or a name relative to the source's url. */
  readonly name: string;
  /** Its detached signature; absent: the list itself is cleartext-signed. */
  readonly signature?: string;
}

/** A file a source declares, with where it lands under the assets directory. */
export interface DeclaredFile extends SourceFile {
  readonly source: Source;
  /** Assets-relative path: `<source.path>/<name>`. */
  readonly relative: string;
  /** Upstream URL of the file. */
  readonly url: string;
}

const hexDigest = (length: number) => ({ type: "string", pattern: `^[0-9a-fA-F]{${length}}$` }) as const;
const reference = { type: "string", minLength: 1, maxLength: 4096 } as const;

export const SOURCE_SCHEMA = {
  $id: "https://netboot.invalid/schemas/source.json",
  title: "netboot OS image source",
  type: "object",
  required: ["path", "url", "files"],
  additionalProperties: false,
  properties: {
    path: { type: "string", minLength: 1, maxLength: 1024 },
    url: { type: "string", minLength: 1, maxLength: 4096 },
    signatures: {
      type: "object",
      required: ["keys"],
      additionalProperties: false,
      properties: {
        keys: { type: "string", minLength: 1, maxLength: 1024 * 1024 },
        fingerprints: { type: "array", minItems: 1, items: { type: "string", pattern: "^[0-9A-Fa-f ]{40,80}$" } },
      },
    },
    checksums: {
      type: "array",
      items: { type: "object", required: ["name"], additionalProperties: false, properties: { name: reference, signature: reference } },
    },
    files: {
      type: "array",
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: "object",
        required: ["name"],
        additionalProperties: false,
        properties: {
          name: { type: "string", minLength: 1, maxLength: 1024 },
          sha256: hexDigest(64),
          sha512: hexDigest(128),
          size: { type: "integer", minimum: 0 },
          signature: reference,
        },
      },
    },
  },
} as const;

/** SOURCE_SCHEMA, compiled ahead of time (a test checks the generated code against it). */
const validateSource = validateSourceCode as SchemaValidator;


/**
 * Why a relative path given in a declaration could leave its folder, or
 * undefined when it is safe: no absolute path, no `..` or `.` segment, no
 * empty segment, no NUL or backslash, and no hidden segment (the cache's own
 * working folder is hidden).
 */
export function unsafeRelativePath(text: string): string | undefined {
  if (text.includes("\0")) return "contains a NUL byte";
  if (text.includes("\\")) return "contains a backslash";
  if (text.startsWith("/")) return "is an absolute path (give it relative to the assets folder)";
  for (const segment of text.split("/")) {
    if (segment === "") return "has an empty segment (a doubled or trailing slash)";
    if (segment === "..") return "has a '..' segment, which would leave its folder";
    if (segment.startsWith(".")) return `has a segment starting with '.' ("${segment}")`;
    if (/[\u0000-\u001f\u007f]/.test(segment)) return "contains a control character";
  }
  return undefined;
}

/**
 * Why an upstream URL is not allowed, or undefined: http or https. Plain http
 * is allowed (many mirrors serve it) because nothing is stored or served
 * before its declared digest, and any pinned signature, checked out.
 */
export function unsafeUpstream(url: URL): string | undefined {
  if (url.username || url.password) return "must not carry credentials";
  if (url.protocol === "https:" || url.protocol === "http:") return undefined;
  return `must be http or https, not ${url.protocol}//${url.host}`;
}

/** `base` joined with a relative name, each segment percent-encoded; an absolute URL is taken as it is. */
export function resolveReference(base: string, reference: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return reference;
  const encoded = reference.split("/").map(encodeURIComponent).join("/");
  return base.endsWith("/") ? base + encoded : `${base}/${encoded}`;
}

/** Upper-case hex without spaces, as fingerprints are compared. */
export function normaliseFingerprint(text: string): string {
  return text.replace(/\s+/g, "").toUpperCase();
}

/** A source from a parsed document; throws DocumentError with the pointer of the first problem. */
export function decodeSource(document: unknown, file: string): Source {
  if (!validateSource(document)) throw schemaError(validateSource.errors, { unknownKey: "is not a key of a source declaration" });
  const doc = document as {
    path: string;
    url: string;
    files: { name: string; sha256?: string; sha512?: string; size?: number; signature?: string }[];
    signatures?: { keys: string; fingerprints?: string[] };
    checksums?: { name: string; signature?: string }[];
  };
  const folder = doc.path.replace(/\/+$/, "");
  const pathProblem = unsafeRelativePath(folder);
  if (pathProblem) throw new DocumentError(`path ${pathProblem}`, "/path");
  let base: URL;
  try {
    base = new URL(doc.url);
  } catch {
    throw new DocumentError("is not an absolute URL", "/url");
  }
  const urlProblem = unsafeUpstream(base);
  if (urlProblem) throw new DocumentError(`url ${urlProblem}`, "/url");
  const checkReference = (text: string, pointer: string) => {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(text)) {
      const problem = unsafeRelativePath(text);
      if (problem) throw new DocumentError(`name ${problem}`, pointer);
      return;
    }
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new DocumentError("is not a URL", pointer);
    }
    const problem = unsafeUpstream(url);
    if (problem) throw new DocumentError(`URL ${problem}`, pointer);
  };
  const seen = new Set<string>();
  const files = doc.files.map((f, i): SourceFile => {
    const pointer = `/files/${i}`;
    const problem = unsafeRelativePath(f.name);
    if (problem) throw new DocumentError(`name ${problem}`, `${pointer}/name`);
    if (seen.has(f.name)) throw new DocumentError(`"${f.name}" is declared twice`, `${pointer}/name`);
    seen.add(f.name);
    if (f.sha256 === undefined && f.sha512 === undefined) throw new DocumentError("needs a sha256 (or sha512) digest", `${pointer}/sha256`);
    if (f.signature !== undefined) checkReference(f.signature, `${pointer}/signature`);
    if (f.signature !== undefined && !doc.signatures) throw new DocumentError("a signature needs the keys that sign it (signatures.keys)", `${pointer}/signature`);
    return {
      name: f.name,
      ...(f.sha256 !== undefined ? { sha256: f.sha256.toLowerCase() } : {}),
      ...(f.sha512 !== undefined ? { sha512: f.sha512.toLowerCase() } : {}),
      ...(f.size !== undefined ? { size: f.size } : {}),
      ...(f.signature !== undefined ? { signature: f.signature } : {}),
    };
  });
  doc.checksums?.forEach((c, i) => {
    checkReference(c.name, `/checksums/${i}/name`);
    if (c.signature !== undefined) checkReference(c.signature, `/checksums/${i}/signature`);
  });
  if (doc.checksums && doc.checksums.length > 0 && !doc.signatures) throw new DocumentError("signed checksum lists need the keys that sign them (signatures.keys)", "/checksums");
  if (doc.signatures && !doc.signatures.keys.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")) {
    throw new DocumentError("must hold ASCII-armored OpenPGP public keys (-----BEGIN PGP PUBLIC KEY BLOCK-----)", "/signatures/keys");
  }
  return {
    file,
    path: folder,
    url: doc.url,
    files,
    ...(doc.signatures
      ? { signatures: { keys: doc.signatures.keys, ...(doc.signatures.fingerprints ? { fingerprints: doc.signatures.fingerprints.map(normaliseFingerprint) } : {}) } }
      : {}),
    ...(doc.checksums && doc.checksums.length > 0 ? { checksums: doc.checksums.map((c) => ({ name: c.name, ...(c.signature ? { signature: c.signature } : {}) })) } : {}),
  };
}

/** Every file the sources declare, by assets-relative path (the first declaration of a path wins). */
export function declaredFiles(sources: readonly Source[]): Map<string, DeclaredFile> {
  const files = new Map<string, DeclaredFile>();
  for (const source of sources) {
    for (const f of source.files) {
      const relative = `${source.path}/${f.name}`;
      if (!files.has(relative)) files.set(relative, { ...f, source, relative, url: resolveReference(source.url, f.name) });
    }
  }
  return files;
}

/** Files declared by more than one source with different digests: the later ones are not used. */
export function conflictingDeclarations(sources: readonly Source[]): { file: string; pointer: string; message: string }[] {
  const first = new Map<string, { source: Source; file: SourceFile }>();
  const conflicts: { file: string; pointer: string; message: string }[] = [];
  for (const source of sources) {
    source.files.forEach((f, i) => {
      const relative = `${source.path}/${f.name}`;
      const earlier = first.get(relative);
      if (!earlier) {
        first.set(relative, { source, file: f });
        return;
      }
      const same = (earlier.file.sha256 ?? "") === (f.sha256 ?? "") && (earlier.file.sha512 ?? "") === (f.sha512 ?? "");
      if (!same) conflicts.push({ file: source.file, pointer: `/files/${i}`, message: `${relative} is also declared by ${earlier.source.file} with another digest, which wins` });
    });
  }
  return conflicts;
}
