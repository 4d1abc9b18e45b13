/** Fixed, well-formed keys and a state for tests. These are not real keys: just 32 bytes of ASCII in base64. */
import type { RouterConfigInput } from "../../server/wireguard/router/index.js";
import type { WireGuardState } from "../../server/wireguard/state.js";

export function testKey(label: string): string {
  return Buffer.from(label.padEnd(32, "-").slice(0, 32)).toString("base64");
}

export const SERVER_PRIVATE = testKey("golden-server-private-key");
export const SERVER_PUBLIC = testKey("golden-server-public-key");
export const ROUTER_PRIVATE = testKey("golden-router-private-key");
export const ROUTER_PUBLIC = testKey("golden-router-public-key");

export function serverState(): WireGuardState {
  return {
    privateKey: SERVER_PRIVATE,
    server: {
      endpoint: "vpn.example.net:51820",
      tunnel: "192.0.2.0/24",
      address: "192.0.2.1",
      listenPort: 51820,
      mtu: 1420,
      publicKey: SERVER_PUBLIC,
    },
    peers: [],
  };
}

export const ROUTER_INPUT: RouterConfigInput = {
  peerName: "home",
  privateKey: ROUTER_PRIVATE,
  address: "192.0.2.2",
  lan: ["198.51.100.0/24"],
  serverPublicKey: SERVER_PUBLIC,
  endpoint: "vpn.example.net:51820",
  serverAddress: "192.0.2.1",
  mtu: 1420,
  keepaliveSeconds: 25,
};

/** Runs `netboot wireguard ARGV…` in this process, capturing what it writes. */
export async function runWireguardCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { vi } = await import("vitest");
  const { wireguardCommand } = await import("../../server/cli/wireguard.js");
  let out = "";
  let err = "";
  const stdout = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await wireguardCommand.run(argv);
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
