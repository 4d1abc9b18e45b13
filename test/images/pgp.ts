import * as openpgp from "openpgp";

/** A signing key made for a test, with its armored public half. */
export interface TestKey {
  privateKey: openpgp.PrivateKey;
  publicArmored: string;
  fingerprint: string;
}

export async function makeKey(name: string): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({ type: "ecc", curve: "curve25519Legacy", userIDs: [{ name, email: `${name}@example.invalid` }], format: "object" });
  return { privateKey, publicArmored: publicKey.armor(), fingerprint: publicKey.getFingerprint().toUpperCase() };
}

/** A binary detached signature, as Fedora CoreOS's and Flatcar's `.sig` files are. */
export async function detachedBinary(key: TestKey, data: Buffer): Promise<Buffer> {
  const signature = await openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: key.privateKey, detached: true, format: "binary" });
  return Buffer.from(signature as Uint8Array);
}

/** An armored detached signature, as Debian's `Release.gpg` is. */
export async function detachedArmored(key: TestKey, data: Buffer): Promise<string> {
  return (await openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: key.privateKey, detached: true })) as string;
}

/** A cleartext-signed document, as Flatcar's `.DIGESTS.asc` and Debian's `InRelease` are. */
export async function clearsigned(key: TestKey, text: string): Promise<string> {
  return (await openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: key.privateKey })) as string;
}
