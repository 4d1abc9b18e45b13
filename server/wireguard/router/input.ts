/** What every router format needs to know to reach the boot server. */
export interface RouterConfigInput {
  /** The router's name in the state directory. */
  peerName: string;
  /** The router's private key (printed once into its config, never stored by the server). */
  privateKey: string;
  /** The router's tunnel address. */
  address: string;
  /** The homelab networks this router sends to the boot server. */
  lan: string[];
  serverPublicKey: string;
  /** HOST:PORT of the server's WireGuard endpoint. */
  endpoint: string;
  /** The boot server's tunnel address. */
  serverAddress: string;
  mtu: number;
  keepaliveSeconds: number;
}

export const ROUTER_FORMATS = ["wg-quick", "openwrt", "routeros", "unifi"] as const;
export type RouterFormat = (typeof ROUTER_FORMATS)[number];

export function isRouterFormat(text: string): text is RouterFormat {
  return (ROUTER_FORMATS as readonly string[]).includes(text);
}

export function splitEndpoint(endpoint: string): { host: string; port: string } {
  const colon = endpoint.lastIndexOf(":");
  return { host: endpoint.slice(0, colon).replace(/^\[(.*)\]$/, "$1"), port: endpoint.slice(colon + 1) };
}
