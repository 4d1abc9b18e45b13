/** Key pairs from wireguard-tools. The private key travels only through pipes, never argv or logs. */
import { execa } from "execa";
import { isWireGuardKey } from "./state.js";

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

export async function publicKeyOf(privateKey: string): Promise<string> {
  const { stdout } = await execa("wg", ["pubkey"], { input: `${privateKey}\n` });
  const publicKey = stdout.trim();
  if (!isWireGuardKey(publicKey)) throw new Error("wg pubkey returned something that is not a key");
  return publicKey;
}

export async function generateKeyPair(): Promise<KeyPair> {
  const { stdout } = await execa("wg", ["genkey"]);
  const privateKey = stdout.trim();
  if (!isWireGuardKey(privateKey)) throw new Error("wg genkey returned something that is not a key");
  return { privateKey, publicKey: await publicKeyOf(privateKey) };
}
