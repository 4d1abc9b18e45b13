/**
 * IPv4 addresses and CIDR blocks as plain numbers: parsing, formatting and the
 * few set operations address allocation and overlap checks need.
 */

export interface Cidr {
  /** The network address (host bits cleared), as an unsigned 32-bit number. */
  network: number;
  prefix: number;
}

const OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function parseIpv4(text: string): number {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((p) => OCTET.test(p))) {
    throw new Error(`"${text}" is not an IPv4 address`);
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

export function formatIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`. With `strict`, host bits must be zero (a network, not an address in one). */
export function parseCidr(text: string, options: { strict?: boolean } = {}): Cidr {
  const match = /^([^/]+)\/(\d{1,2})$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not an IPv4 CIDR block (a.b.c.d/n)`);
  const prefix = Number(match[2]);
  if (prefix > 32) throw new Error(`"${text}": prefix length must be 0-32`);
  const address = parseIpv4(match[1]!);
  const network = (address & maskOf(prefix)) >>> 0;
  if (options.strict && network !== address) {
    throw new Error(`"${text}" has host bits set; did you mean ${formatIpv4(network)}/${prefix}?`);
  }
  return { network, prefix };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpv4(cidr.network)}/${cidr.prefix}`;
}

export function blockSize(cidr: Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function contains(cidr: Cidr, address: number): boolean {
  return ((address & maskOf(cidr.prefix)) >>> 0) === cidr.network;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const shorter = Math.min(a.prefix, b.prefix);
  const mask = maskOf(shorter);
  return ((a.network & mask) >>> 0) === ((b.network & mask) >>> 0);
}

/**
 * The addresses a host may use in a block: all but the network and broadcast
 * addresses, except in /31 and /32 where every address is usable (RFC 3021).
 */
export function usableRange(cidr: Cidr): { first: number; last: number } {
  const size = blockSize(cidr);
  if (size <= 2) return { first: cidr.network, last: cidr.network + size - 1 };
  return { first: cidr.network + 1, last: cidr.network + size - 2 };
}

/** The lowest usable address of `cidr` not in `taken`, or undefined when the block is full. */
export function firstFreeAddress(cidr: Cidr, taken: ReadonlySet<number>): number | undefined {
  const { first, last } = usableRange(cidr);
  for (let candidate = first; candidate <= last; candidate++) {
    if (!taken.has(candidate)) return candidate;
  }
  return undefined;
}
