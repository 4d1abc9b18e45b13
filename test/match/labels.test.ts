import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { labelsFromQuery } from "../../server/match/labels.js";
import { parseMac } from "../../server/match/mac.js";

const labels = (q: string) => Object.fromEntries(labelsFromQuery(q).labels);

describe("labels from a query string (Matchbox's parse_test)", () => {
  it("reads each key's first value, verbatim", () => {
    expect(labels("")).toEqual({});
    expect(labels("uuid=a1b2c3")).toEqual({ uuid: "a1b2c3" });
    expect(labels("uuid=a1b2c3&uuid=other")).toEqual({ uuid: "a1b2c3" });
    expect(labels("hostname=")).toEqual({ hostname: "" });
    expect(labels("=v")).toEqual({ "": "v" });
  });

  it("normalises MACs in keys that lower-case to mac, keeping the key's case", () => {
    expect(labels("mac=52:da:00:89:d8:10")).toEqual({ mac: "52:da:00:89:d8:10" });
    expect(labels("mac=52-da-00-89-d8-10")).toEqual({ mac: "52:da:00:89:d8:10" });
    expect(labels("uuid=a1b2c3&mac=52:da:00:89:d8:10")).toEqual({ uuid: "a1b2c3", mac: "52:da:00:89:d8:10" });
    expect(labels("UUID=a1b2c3&MAC=52:DA:00:89:d8:10")).toEqual({ UUID: "a1b2c3", MAC: "52:da:00:89:d8:10" });
  });

  it("drops a MAC that does not parse", () => {
    expect(labels("mac=x:x:x:x:x:x")).toEqual({});
    const parsed = labelsFromQuery("mac=nope&a=1");
    expect(parsed.rejectedMacs).toEqual(["nope"]);
  });

  it("drops pairs with semicolons or malformed escapes, decodes the rest", () => {
    expect(labels("a=1;b=2&c=3")).toEqual({ c: "3" });
    expect(labels("a=%zz&b=%41+x")).toEqual({ b: "A x" });
    expect(labels("&&a=1&")).toEqual({ a: "1" });
  });
});

describe("MAC parsing (Go's net.ParseMAC)", () => {
  it("accepts the colon, hyphen and dotted forms of 6, 8 and 20 octets", () => {
    expect(parseMac("52:54:00:A1:9C:AE")).toBe("52:54:00:a1:9c:ae");
    expect(parseMac("5254.00a1.9cae")).toBe("52:54:00:a1:9c:ae");
    expect(parseMac("02:00:5e:10:00:00:00:01")).toBe("02:00:5e:10:00:00:00:01");
    expect(parseMac("0200.5e10.0000.0001")).toBe("02:00:5e:10:00:00:00:01");
    const ib = Array.from({ length: 20 }, (_, i) => i.toString(16).padStart(2, "0")).join("-");
    expect(parseMac(ib)).toBe(ib.replace(/-/g, ":"));
  });

  it("rejects other shapes", () => {
    for (const bad of ["525400a19cae", "52:54:00:a1:9c", "52:54:00:a1:9c:ae:", "52:54-00:a1:9c:ae", "52:54:00:a1:9c:zz", "5254.00a1.9cae.", "52:54:00:a1:9c:ae:00", ""]) {
      expect(parseMac(bad), bad).toBeUndefined();
    }
  });

  const octet = fc.integer({ min: 0, max: 255 }).map((n) => n.toString(16).padStart(2, "0"));
  const octets = fc.constantFrom(6, 8, 20).chain((n) => fc.array(octet, { minLength: n, maxLength: n }));
  const randomCase = (s: string, flips: boolean[]) => [...s].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c)).join("");

  it("round-trips every valid address in every notation and case", () => {
    fc.assert(
      fc.property(octets, fc.constantFrom(":", "-", "."), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (bytes, sep, flips) => {
        const canonical = bytes.join(":");
        const written =
          sep === "."
            ? bytes.reduce<string[]>((groups, b, i) => (i % 2 === 0 ? [...groups, b] : [...groups.slice(0, -1), groups.at(-1)! + b]), []).join(".")
            : bytes.join(sep);
        expect(parseMac(randomCase(written, flips))).toBe(canonical);
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  it("never accepts a string that is not hex digits and one kind of separator", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (s) => {
        const mac = parseMac(s);
        if (mac !== undefined) {
          expect(s).toMatch(/^([0-9a-fA-F]{2}([:-]|$))+$|^([0-9a-fA-F]{4}(\.|$))+$/);
          expect([6, 8, 20]).toContain(mac.split(":").length);
        }
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
