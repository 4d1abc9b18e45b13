import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import type * as OpenPgp from "openpgp";
import type { SignatureKeys } from "./declaration.js";

/** A signature that does not verify against the pinned keys. */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SignatureError";
  }
}

/** OpenPGP is loaded at the first signature check: a server that never checks one does not pay for it at start. */
let openpgpModule: Promise<typeof OpenPgp> | undefined;
const loadOpenpgp = () => (openpgpModule ??= import("openpgp"));

const pinnedKeys = new WeakMap<SignatureKeys, Promise<OpenPgp.PublicKey[]>>();

/**
 * The keys a declaration pins, narrowed to its fingerprints when it lists
 * some (a key is kept when its primary key or one of its subkeys is listed).
 * Parsed once per declaration.
 */
export function keysOf(pinned: SignatureKeys): Promise<OpenPgp.PublicKey[]> {
  let keys = pinnedKeys.get(pinned);
  if (!keys) {
    keys = (async () => {
      const openpgp = await loadOpenpgp();
      let all: OpenPgp.PublicKey[];
      try {
        all = (await openpgp.readKeys({ armoredKeys: pinned.keys })) as OpenPgp.PublicKey[];
      } catch (err) {
        throw new SignatureError(`the pinned keys do not parse: ${(err as Error).message}`);
      }
      if (!pinned.fingerprints) return all;
      const wanted = new Set(pinned.fingerprints);
      const kept = all.filter((key) => [key, ...key.getSubkeys()].some((k) => wanted.has(k.getFingerprint().toUpperCase())));
      if (kept.length === 0) throw new SignatureError("none of the pinned fingerprints is a key in signatures.keys");
      return kept;
    })();
    pinnedKeys.set(pinned, keys);
  }
  return keys;
}

async function readSignature(bytes: Uint8Array): Promise<OpenPgp.Signature> {
  const openpgp = await loadOpenpgp();
  const text = Buffer.from(bytes).toString("latin1");
  try {
    return text.includes("-----BEGIN PGP SIGNATURE-----") ? await openpgp.readSignature({ armoredSignature: text }) : await openpgp.readSignature({ binarySignature: bytes });
  } catch (err) {
    throw new SignatureError(`the signature does not parse: ${(err as Error).message}`);
  }
}

/** Resolves when one of the signatures verifies with a pinned key; names the signer's key ID otherwise. */
async function requireValid(signatures: OpenPgp.VerifyMessageResult["signatures"], what: string): Promise<string> {
  const problems: string[] = [];
  for (const s of signatures) {
    try {
      await s.verified;
      return s.keyID.toHex().toUpperCase();
    } catch (err) {
      problems.push(`key ${s.keyID.toHex().toUpperCase()}: ${(err as Error).message}`);
    }
  }
  throw new SignatureError(`${what}: no valid signature by a pinned key (${problems.join("; ") || "no signature"})`);
}

/** Verifies a detached signature of a file on disk (read as a stream, so a large image is never held in memory); resolves the signing key ID. */
export async function verifyDetachedFile(file: string, signature: Uint8Array, pinned: SignatureKeys): Promise<string> {
  const [keys, sig, openpgp] = await Promise.all([keysOf(pinned), readSignature(signature), loadOpenpgp()]);
  const stream = Readable.toWeb(createReadStream(file, { highWaterMark: 1024 * 1024 })) as unknown as ReadableStream<Uint8Array>;
  const message = await openpgp.createMessage({ binary: stream });
  const result = await openpgp.verify({ message, signature: sig, verificationKeys: keys, format: "binary" });
  // The data must be read through for the signatures to be checked.
  const reader = (result.data as unknown as ReadableStream<Uint8Array>).getReader();
  for (;;) if ((await reader.read()).done) break;
  return requireValid(result.signatures, "detached signature");
}

/** Verifies a detached signature of bytes in memory (a checksum list); resolves the signing key ID. */
export async function verifyDetached(data: Uint8Array, signature: Uint8Array, pinned: SignatureKeys): Promise<string> {
  const [keys, sig, openpgp] = await Promise.all([keysOf(pinned), readSignature(signature), loadOpenpgp()]);
  const message = await openpgp.createMessage({ binary: data });
  const result = await openpgp.verify({ message, signature: sig, verificationKeys: keys, format: "binary" });
  return requireValid(result.signatures, "detached signature");
}

/** Verifies a cleartext-signed document (`InRelease`, Flatcar's `.DIGESTS.asc`) and returns the text that was signed. */
export async function verifyCleartext(armored: string, pinned: SignatureKeys): Promise<string> {
  const [keys, openpgp] = await Promise.all([keysOf(pinned), loadOpenpgp()]);
  let message: OpenPgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: armored });
  } catch (err) {
    throw new SignatureError(`not a cleartext-signed document: ${(err as Error).message}`);
  }
  const result = await openpgp.verify({ message, verificationKeys: keys });
  await requireValid(result.signatures, "cleartext signature");
  return result.data as string;
}
