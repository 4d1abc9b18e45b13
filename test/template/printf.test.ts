/**
 * Property tests for float printing and the printf formatter: round trips,
 * and batches of random values, verbs and flags checked against Go's own fmt
 * (through the oracle) in one render per batch.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatFloat } from "../../server/template/floatfmt.js";
import { sprintf } from "../../server/template/gofmt.js";
import { formatGoFloat, parseTemplate } from "../../server/template/index.js";
import { runOracle } from "./oracle.js";

const SEED = 4242;
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });

describe("formatGoFloat", () => {
  it("reads back as the same float64", () => {
    fc.assert(
      fc.property(finiteDouble, (x) => {
        expect(Object.is(Number(formatGoFloat(x)), x)).toBe(true);
      }),
      { numRuns: 5000, seed: SEED },
    );
  });

  it("uses exponent form exactly when the exponent is below -4 or at least 6", () => {
    fc.assert(
      fc.property(finiteDouble.filter((x) => x !== 0), (x) => {
        const exp = Math.floor(Math.log10(Math.abs(Number(Math.abs(x).toExponential()))));
        const s = formatGoFloat(x);
        expect(/e[+-]\d\d/.test(s)).toBe(exp < -4 || exp >= 6);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });

  it("matches Go for batches of random doubles", { timeout: 120_000 }, async () => {
    const values = fc.sample(finiteDouble, { numRuns: 2000, seed: SEED });
    const oracle = await runOracle("{{range .}}{{.}}\n{{end}}", values);
    expect(oracle.ok).toBe(true);
    const ours = values.map((v) => formatGoFloat(JSON.parse(JSON.stringify(v)))).join("\n") + "\n";
    expect(ours).toBe(oracle.ok ? oracle.output : "");
  });
});

describe("formatFloat with a precision", () => {
  it("%f agrees with JS toFixed except on exact ties, which Go rounds to even", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.integer({ min: 0, max: 12 }), (x, p) => {
        fc.pre(!Object.is(x, -0)); // Go prints the sign of negative zero, toFixed does not
        const exact = formatFloat(Math.abs(x), "f", 1100).split(".")[1]!.replace(/0+$/, "");
        const tie = exact.length === p + 1 && exact.endsWith("5");
        if (tie) {
          const rounded = formatFloat(Math.abs(x), "f", p);
          expect(Number(rounded.at(-1)) % 2).toBe(0);
        } else {
          expect(formatFloat(x, "f", p)).toBe(x.toFixed(p));
        }
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it("%e keeps the requested significant digits and reads back within half a unit", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e300, max: 1e300, noNaN: true }).filter((x) => x !== 0), fc.integer({ min: 0, max: 16 }), (x, p) => {
        const s = formatFloat(x, "e", p);
        const [mant, exp] = s.split("e");
        expect(mant!.replace(/^-/, "").replace(".", "").length).toBe(p + 1);
        expect(exp).toMatch(/^[+-]\d{2,3}$/);
        const ulp = 10 ** (Number(exp) - p);
        expect(Math.abs(Number(s) - x)).toBeLessThanOrEqual(ulp / 2 + Math.abs(x) * 1e-15);
      }),
      { numRuns: 3000, seed: SEED },
    );
  });
});

const VERBS = [..."vdsqxXobeEfFgGtcUT"];
const FLAG_SETS = ["", "-", "+", "#", "0", " ", "+0", "-#", "# ", "0+", "-+ "];

/** A random format directive and the literal argument that goes with it. */
const directive = fc.record({
  flags: fc.constantFrom(...FLAG_SETS),
  width: fc.option(fc.integer({ min: 0, max: 14 }), { nil: undefined }),
  prec: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
  verb: fc.constantFrom(...VERBS),
  arg: fc.oneof(
    fc.integer({ min: -100000, max: 0x10ffff }).map((n) => String(n)),
    fc.constantFrom("'a'", "'é'", "0x7fffffffffffffff", "-9223372036854775808", "0"),
    fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }).map((d) => {
      const s = String(d);
      return /[.e]/.test(s) ? s : s + ".0";
    }),
    fc.constantFrom('"abc"', '"é✓😀"', '""', '"a\\tb"', '"\\u2028"', "`q\"`", "true", "false", "nil", ".list", ".map", ".num"),
  ),
});

function formatOf(d: { flags: string; width?: number; prec?: number; verb: string }): string {
  return `%${d.flags}${d.width ?? ""}${d.prec === undefined ? "" : "." + d.prec}${d.verb}`;
}

describe("printf against Go's fmt", () => {
  it("agrees on random verbs, flags, widths, precisions and arguments", { timeout: 120_000 }, async () => {
    const batches = fc.sample(fc.array(directive, { minLength: 50, maxLength: 50 }), { numRuns: 20, seed: SEED });
    const data = { list: [1, "a", null, true, [2.5]], map: { b: 1e6, a: "x" }, num: 3 };
    for (const batch of batches) {
      const text = batch.map((d) => `{{printf "${formatOf(d)}|%v" ${d.arg} 1}}`).join("\n");
      const oracle = await runOracle(text, data);
      expect(oracle.ok).toBe(true);
      const ours = parseTemplate("tpl", text).execute(data);
      expect(ours).toBe(oracle.ok ? oracle.output : "");
    }
  });
});

describe("sprintf error forms", () => {
  const cases: Array<[string, unknown[], string]> = [
    ["%d", [3], "%!d(float64=3)"],
    ["%s %s", ["a"], "a %!s(MISSING)"],
    ["%s", ["a", "b"], "a%!(EXTRA string=b)"],
    ["%s", ["a", 1, null], "a%!(EXTRA float64=1, <nil>)"],
    ["%d", [null], "%!d(<nil>)"],
    ["%", [], "%!(NOVERB)"],
    ["%[3]d", [1n], "%!d(BADINDEX)"],
    ["%*d", ["x", 1n], "%!(BADWIDTH)1"],
    ["%.*d", ["x", 1n], "%!(BADPREC)1"],
    ["%z", [1n], "%!z(int=1)"],
    ["%5d", [2.5], "%!d(float64=  2.5)"],
    ["%t", ["x"], "%!t(string=x)"],
    ["%%|%5%", [], "%|%"],
  ];
  for (const [format, args, want] of cases) {
    it(`${format} ${JSON.stringify(args, (_, v) => (typeof v === "bigint" ? `${v}n` : v))}`, () =>
      expect(sprintf(format, args)).toBe(want));
  }
});
