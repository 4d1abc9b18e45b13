import { describe, expect, it } from "vitest";
import { formatGoFloat, goPrint } from "../../server/template/index.js";
import { formatFloat } from "../../server/template/floatfmt.js";

describe("formatGoFloat", () => {
  const cases: Array<[number, string]> = [
    [3, "3"], [2.5, "2.5"], [1000000, "1e+06"], [1234567, "1.234567e+06"], [123456.5, "123456.5"],
    [1e20, "1e+20"], [0.000001, "1e-06"], [-0.5, "-0.5"], [123456, "123456"], [100000, "100000"],
    [12345678, "1.2345678e+07"], [0.0001, "0.0001"], [0.00001, "1e-05"], [1e21, "1e+21"], [-0, "-0"],
    [123456789012345678, "1.2345678901234568e+17"], [0, "0"], [1e100, "1e+100"], [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"], [0.1, "0.1"], [Infinity, "+Inf"], [-Infinity, "-Inf"], [NaN, "NaN"],
  ];
  for (const [n, s] of cases) it(`${n} → ${s}`, () => expect(formatGoFloat(n)).toBe(s));
});

describe("formatFloat with precision", () => {
  const cases: Array<[number, "e" | "f" | "g" | "b" | "x", number, string]> = [
    [3.14159, "f", 2, "3.14"], [0.5, "f", 0, "0"], [1.5, "f", 0, "2"], [2.5, "f", 0, "2"], [-0.01, "f", 1, "-0.0"],
    [1, "e", 6, "1.000000e+00"], [1234.5678, "e", 2, "1.23e+03"], [1, "g", 3, "1"], [100, "g", 2, "1e+02"],
    [0.000012345, "g", 3, "1.23e-05"], [1, "b", -1, "4503599627370496p-52"], [1, "x", -1, "0x1p+00"],
    [3, "x", -1, "0x1.8p+01"], [0, "x", -1, "0x0p+00"], [1.5, "x", 0, "0x1p+01"], [999.99, "f", 1, "1000.0"],
  ];
  for (const [n, f, p, s] of cases) it(`${n} %.${p}${f} → ${s}`, () => expect(formatFloat(n, f, p)).toBe(s));
});

describe("goPrint", () => {
  it("prints JSON values as Go's %v", () => {
    expect(goPrint(null)).toBe("<no value>");
    expect(goPrint([1, "a", null, true])).toBe("[1 a <nil> true]");
    expect(goPrint({ zeta: 1, alpha: "two", mid: [1, 2] })).toBe("map[alpha:two mid:[1 2] zeta:1]");
    expect(goPrint({})).toBe("map[]");
    expect(goPrint([])).toBe("[]");
    expect(goPrint(1e6)).toBe("1e+06");
  });
});
