/**
 * What every router snippet needs: where netboot answers, and optionally the
 * LAN interface and address range the router's DHCP server hands out.
 */
export interface DhcpTarget {
  /** netboot's base URL without a trailing slash, e.g. `http://192.0.2.10:8080`. */
  serverUrl: string;
  /** LAN interface (dnsmasq `interface=`, Kea `interfaces-config`, RouterOS DHCP server name). */
  interface?: string;
  /** First and last address of the dynamic pool. */
  range?: { start: string; end: string };
  /** The LAN's prefix in CIDR form (Kea `subnet4`). */
  subnet?: string;
}

/** UEFI HTTP boot firmware sends a vendor class starting with this and ignores offers that do not echo it. */
export const HTTP_CLIENT_VENDOR_CLASS = "HTTPClient";
/** iPXE identifies itself with this user class (option 77). */
export const IPXE_USER_CLASS = "iPXE";

/** The URL UEFI HTTP boot firmware downloads: iPXE itself, from netboot's assets. */
export function firmwareBootUrl(target: DhcpTarget): string {
  return `${target.serverUrl}/assets/ipxe.efi`;
}

/** The URL iPXE chains to: netboot's bootstrap script, which chains on to `/ipxe?mac=…`. */
export function ipxeBootUrl(target: DhcpTarget): string {
  return `${target.serverUrl}/boot.ipxe`;
}

export class DhcpInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DhcpInputError";
  }
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const INTERFACE = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;

function ipv4ToNumber(address: string): number {
  return address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

/** `http://host:port[/prefix]` → normalised base URL; firmware and iPXE speak plain HTTP (HTTPS needs enrolled CAs). */
export function parseServerUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DhcpInputError(`--server-url ${JSON.stringify(text)} is not a URL (expected http://HOST:PORT)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new DhcpInputError(`--server-url must be http:// or https://, got ${url.protocol}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new DhcpInputError("--server-url must not carry a query, fragment or credentials");
  }
  if (/[\s"',;\\]/.test(url.href)) {
    throw new DhcpInputError("--server-url must not contain spaces, quotes, commas, semicolons or backslashes");
  }
  return url.href.replace(/\/+$/, "");
}

/** `START,END` or `START-END`, both IPv4, START ≤ END. */
export function parseRange(text: string): { start: string; end: string } {
  const parts = text.split(/[,-]/).map((part) => part.trim());
  if (parts.length !== 2 || !parts.every((part) => IPV4.test(part))) {
    throw new DhcpInputError(`--range ${JSON.stringify(text)} must be START,END (two IPv4 addresses)`);
  }
  const [start, end] = parts as [string, string];
  if (ipv4ToNumber(start) > ipv4ToNumber(end)) {
    throw new DhcpInputError(`--range starts after it ends: ${start} > ${end}`);
  }
  return { start, end };
}

export function parseInterface(text: string): string {
  if (!INTERFACE.test(text)) {
    throw new DhcpInputError(`--interface ${JSON.stringify(text)} is not an interface name`);
  }
  return text;
}

/** An IPv4 prefix `A.B.C.D/N` whose host bits are zero. */
export function parseSubnet(text: string): string {
  const match = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  const bits = match ? Number(match[2]) : NaN;
  if (!match || !IPV4.test(match[1]!) || bits > 32) {
    throw new DhcpInputError(`--subnet ${JSON.stringify(text)} must be an IPv4 prefix such as 192.0.2.0/24`);
  }
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  if ((ipv4ToNumber(match[1]!) & ~mask) >>> 0 !== 0) {
    throw new DhcpInputError(`--subnet ${text} has host bits set`);
  }
  return text;
}

/** True when both range ends fall inside the prefix. */
export function rangeInSubnet(range: { start: string; end: string }, subnet: string): boolean {
  const [network, bitsText] = subnet.split("/") as [string, string];
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const base = ipv4ToNumber(network);
  return [range.start, range.end].every((address) => ((ipv4ToNumber(address) & mask) >>> 0) === base);
}
