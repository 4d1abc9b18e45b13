import yaml from "js-yaml";
import * as openpgp from "openpgp";
import { normaliseFingerprint, type SignatureKeys } from "./declaration.js";
import { debianRelease, fedoraCoreOsRelease, flatcarRelease, FLATCAR_PXE_FILES, MetadataError, parseVersionTxt, releaseSha256, type Release } from "./metadata.js";
import { keysOf, verifyCleartext, verifyDetached } from "./signatures.js";
import { fetchDocument, openUpstream } from "./upstream.js";
import { createHash } from "node:crypto";

export const DISTROS = {
  "fedora-coreos": { channel: "stable", arch: "x86_64", metadata: (channel: string) => `https://builds.coreos.fedoraproject.org/streams/${channel}.json` },
  flatcar: { channel: "stable", arch: "amd64", metadata: (channel: string, arch: string) => `https://${channel}.release.flatcar-linux.net/${arch}-usr/` },
  debian: { channel: "stable", arch: "amd64", metadata: () => "https://deb.debian.org/debian/" },
} as const;

export type Distro = keyof typeof DISTROS;

export interface AddRequest {
  distro: Distro;
  channel: string;
  arch: string;
  /** Stream JSON (Fedora CoreOS), the `<arch>-usr/` folder (Flatcar), or the mirror (Debian). */
  metadataUrl: string;
  /** Pinned keys: a declaration with them has its signatures checked on every fetch. */
  keys?: SignatureKeys;
}

export interface AddResult {
  release: Release;
  /** The declaration, as an object (written as YAML). */
  declaration: Record<string, unknown>;
  /** What was verified, or not, while reading the metadata. */
  notes: string[];
}

/** Armored keys from a key file (armored, or a binary keyring such as /usr/share/keyrings/debian-archive-keyring.gpg), narrowed to fingerprints when given. */
export async function pinnedKeys(content: Buffer, fingerprints: string[]): Promise<SignatureKeys> {
  const text = content.toString("latin1");
  const keys = text.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    ? await openpgp.readKeys({ armoredKeys: text })
    : await openpgp.readKeys({ binaryKeys: new Uint8Array(content) });
  const armored = keys.map((k) => k.toPublic().armor()).join("\n");
  const wanted = fingerprints.map(normaliseFingerprint);
  const pinned: SignatureKeys = { keys: armored, ...(wanted.length > 0 ? { fingerprints: wanted } : {}) };
  const kept = await keysOf(pinned);
  return { keys: kept.map((k) => k.armor()).join("\n"), ...(wanted.length > 0 ? { fingerprints: wanted } : {}) };
}

const text = async (url: string) => (await fetchDocument(url)).toString("utf8");

async function fedoraCoreOs(request: AddRequest, notes: string[]): Promise<Release> {
  const body = await text(request.metadataUrl);
  let stream: unknown;
  try {
    stream = JSON.parse(body);
  } catch {
    throw new MetadataError(`${request.metadataUrl}: not JSON`);
  }
  const release = fedoraCoreOsRelease(stream, request.arch, request.metadataUrl);
  if (!request.keys) {
    for (const f of release.files) delete f.signature;
    notes.push("no --key: the files' detached signatures (.sig) will not be checked, only their sha256 from the stream metadata");
  } else {
    notes.push("each file's detached signature (.sig) is checked against the pinned keys when it is fetched");
  }
  return release;
}

async function flatcar(request: AddRequest, notes: string[]): Promise<Release> {
  const base = request.metadataUrl.replace(/\/?$/, "/");
  const versionUrl = new URL("current/version.txt", base).href;
  const values = parseVersionTxt(await text(versionUrl));
  const version = values.FLATCAR_VERSION;
  if (!version) throw new MetadataError(`${versionUrl}: no FLATCAR_VERSION`);
  const folder = new URL(`${encodeURIComponent(version)}/`, base).href;
  const digests = new Map<string, string>();
  for (const name of FLATCAR_PXE_FILES) {
    if (request.keys) {
      // Cleartext-signed DIGESTS: only what the signature covers is read.
      digests.set(name, await verifyCleartext(await text(`${folder}${name}.DIGESTS.asc`), request.keys));
    } else {
      digests.set(name, await text(`${folder}${name}.DIGESTS`));
    }
  }
  notes.push(
    request.keys
      ? "the DIGESTS lists were verified (cleartext signatures, .DIGESTS.asc) now; each file's detached signature (.sig) and its signed DIGESTS list are checked again when it is fetched"
      : "no --key: the sha512 digests come from the unsigned .DIGESTS lists; signatures will not be checked",
  );
  return flatcarRelease(version, versionUrl, digests, request.keys !== undefined);
}

async function debian(request: AddRequest, notes: string[]): Promise<Release> {
  const mirror = request.metadataUrl.replace(/\/?$/, "/");
  const releaseUrl = `${mirror}dists/${request.channel}/Release`;
  const releaseBytes = await fetchDocument(releaseUrl);
  if (request.keys) {
    await verifyDetached(releaseBytes, await fetchDocument(`${releaseUrl}.gpg`, 1024 * 1024), request.keys);
    notes.push(`${releaseUrl} verified (Release.gpg) against the pinned keys, SHA256SUMS against its digest in Release, each file against SHA256SUMS`);
  } else {
    notes.push("no --key: the Release file's signature was not checked; the digests are only as good as the connection to the mirror");
  }
  const release = releaseSha256(releaseBytes.toString("utf8"));
  const sumsPath = `main/installer-${request.arch}/current/images/SHA256SUMS`;
  const expected = release.get(sumsPath);
  if (!expected) throw new MetadataError(`${releaseUrl} lists no ${sumsPath}`);
  const sumsUrl = `${mirror}dists/${request.channel}/${sumsPath}`;
  const sums = await fetchDocument(sumsUrl);
  const actual = createHash("sha256").update(sums).digest("hex");
  if (actual !== expected.sha256) throw new MetadataError(`${sumsUrl}: sha256 ${actual}, but Release says ${expected.sha256}`);
  return debianRelease(request.channel, request.arch, mirror, release, sums.toString("utf8"), sumsUrl);
}

/** Each file's size from the upstream (HEAD), when it says; a file whose size is declared is answered to HEAD without fetching it. */
async function probeSizes(release: Release): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  for (const f of release.files) {
    try {
      const response = await openUpstream(release.url + f.name.split("/").map(encodeURIComponent).join("/"), undefined, "HEAD");
      response.body.resume();
      if (response.length !== undefined) sizes.set(f.name, response.length);
    } catch {
      // The size is optional.
    }
  }
  return sizes;
}

/** Reads a distribution's release metadata into a source declaration. */
export async function addSource(request: AddRequest): Promise<AddResult> {
  const notes: string[] = [];
  const release = request.distro === "fedora-coreos" ? await fedoraCoreOs(request, notes) : request.distro === "flatcar" ? await flatcar(request, notes) : await debian(request, notes);
  const sizes = await probeSizes(release);
  const declaration: Record<string, unknown> = {
    path: release.path,
    url: release.url,
    files: release.files.map((f) => ({ name: f.name, ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.sha512 ? { sha512: f.sha512 } : {}), ...(sizes.has(f.name) ? { size: sizes.get(f.name) } : {}), ...(f.signature ? { signature: f.signature } : {}) })),
  };
  if (request.distro === "flatcar" && request.keys) declaration.checksums = release.files.map((f) => ({ name: `${f.name}.DIGESTS.asc` }));
  if (request.keys) declaration.signatures = { ...(request.keys.fingerprints ? { fingerprints: request.keys.fingerprints } : {}), keys: request.keys.keys };
  return { release, declaration, notes };
}

/** The declaration as a YAML file, with a comment saying where it came from. */
export function renderDeclaration(result: AddResult, distro: string, channel: string, arch: string): string {
  const header = [`# ${distro} ${channel} ${arch} ${result.release.version}`, `# written by netboot assets add from ${result.release.from}`, ...result.notes.map((n) => `# ${n}`)];
  return header.join("\n") + "\n" + yaml.dump(result.declaration, { lineWidth: -1, noRefs: true });
}
