import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  contains,
  firstFreeAddress,
  formatCidr,
  formatIpv4,
  overlaps,
  parseCidr,
  parseIpv4,
  usableRange,
} from "../../server/wireguard/cidr.js";

describe("IPv4 parsing", () => {
  it("round-trips every address", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => parseIpv4(formatIpv4(n)) === n));
  });

  it.each(["1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "a.b.c.d", " 1.2.3.4", ""])("rejects %j", (text) => {
    expect(() => parseIpv4(text)).toThrow(/not an IPv4 address/);
  });

  it("clears host bits, or refuses them when strict", () => {
    expect(formatCidr(parseCidr("198.51.100.77/24"))).toBe("198.51.100.0/24");
    expect(() => parseCidr("198.51.100.77/24", { strict: true })).toThrow(/did you mean 198.51.100.0\/24/);
    expect(() => parseCidr("198.51.100.0/33")).toThrow(/prefix/);
    expect(() => parseCidr("198.51.100.0")).toThrow(/CIDR/);
  });
});

describe("CIDR sets", () => {
  const cidr = fc
    .tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 32 }))
    .map(([address, prefix]) => parseCidr(`${formatIpv4(address)}/${prefix}`));

  it("overlap is symmetric and agrees with containment of network addresses", () => {
    fc.assert(
      fc.property(cidr, cidr, (a, b) => {
        const expected = contains(a, b.network) || contains(b, a.network);
        return overlaps(a, b) === overlaps(b, a) && overlaps(a, b) === expected;
      }),
    );
  });

  it("allocates the lowest free host address, never the network or broadcast address", () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 30 }), fc.array(fc.nat(50), { maxLength: 20 }), (prefix, offsets) => {
        const block = parseCidr(`192.0.2.0/${Math.max(prefix, 24)}`);
        const taken = new Set(offsets.map((o) => block.network + o));
        const got = firstFreeAddress(block, taken);
        const { first, last } = usableRange(block);
        if (got === undefined) {
          for (let a = first; a <= last; a++) expect(taken.has(a)).toBe(true);
          return;
        }
        expect(got).toBeGreaterThanOrEqual(first);
        expect(got).toBeLessThanOrEqual(last);
        expect(taken.has(got)).toBe(false);
        for (let a = first; a < got; a++) expect(taken.has(a)).toBe(true);
      }),
    );
  });

  it("uses every address of a /31 and /32", () => {
    expect(usableRange(parseCidr("192.0.2.0/31"))).toEqual({ first: parseIpv4("192.0.2.0"), last: parseIpv4("192.0.2.1") });
    expect(firstFreeAddress(parseCidr("192.0.2.0/30"), new Set([parseIpv4("192.0.2.1"), parseIpv4("192.0.2.2")]))).toBeUndefined();
  });
});
