/**
 * Bounds: runaway templates end in a TemplateError instead of unbounded
 * memory, an endless loop or a crashed stack.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, TemplateError, parseTemplate } from "../../server/template/index.js";

function failure(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return (err as Error).message;
  }
  throw new Error("expected a TemplateError");
}

describe("template limits", () => {
  it("has sane defaults", () => {
    expect(DEFAULT_LIMITS).toEqual({ maxOutputBytes: 4 * 1024 * 1024, maxSteps: 100_000, maxFunctionBytes: 2 * 1024 * 1024, maxDepth: 100 });
  });

  it("stops output at maxOutputBytes", () => {
    const t = parseTemplate("big", '{{range 100000}}0123456789{{end}}');
    expect(t.execute({}, { maxSteps: 10_000_000 })).toHaveLength(1_000_000);
    expect(failure(() => t.execute({}, { maxOutputBytes: 65536, maxSteps: 10_000_000 }))).toMatch(
      /^template: big:1:16: executing "big" at <0123456789>: output exceeded the limit of 65536 bytes$/,
    );
  });

  it("counts output in UTF-8 bytes", () => {
    const t = parseTemplate("u", "{{range 10}}é{{end}}");
    expect(t.execute({}, { maxOutputBytes: 20 })).toBe("é".repeat(10));
    expect(failure(() => t.execute({}, { maxOutputBytes: 19 }))).toContain("output exceeded the limit of 19 bytes");
  });

  it("stops a huge range at maxSteps instead of running for ages", () => {
    const t = parseTemplate("loop", "{{range 9223372036854775807}}{{end}}");
    const started = Date.now();
    expect(failure(() => t.execute({}))).toContain("execution exceeded the limit of 100000 steps");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("refuses a printf width or precision past the limit before building the string", () => {
    for (const text of [
      '{{printf "%9999999d" 1}}',
      '{{len (printf "%9999999s" "a")}}',
      '{{if eq (printf "%-9999999v|" "x") ""}}{{end}}',
      '{{len (printf "%.9999999f" 1.5)}}',
      '{{len (printf "%#.9999999g" 1.5)}}',
      '{{len (printf "%.9999999d" 7)}}',
      '{{len (printf "%.9999999U" 7)}}',
      '{{len (printf "%9999999x" "ab")}}',
      '{{len (printf "' + "%9999999d".repeat(60) + '"' + " 1".repeat(60) + ")}}",
    ]) {
      const started = Date.now();
      expect(failure(() => parseTemplate("w", text).execute({}))).toMatch(/^template: w:1:\d+: executing "w" at <printf .*>: error calling printf: result would be larger than the limit of \d+ bytes$/);
      expect(Date.now() - started).toBeLessThan(200);
    }
    // A width that fits is Go's: padded in full.
    expect(parseTemplate("w", '{{len (printf "%100000d" 1)}}').execute({})).toBe("100000");
  });

  it("bounds what functions build and read without printing it", () => {
    const t = parseTemplate("f", '{{range 1000000}}{{$x := printf "%1000000d" 1}}{{end}}');
    const started = Date.now();
    expect(failure(() => t.execute({}))).toMatch(/execution exceeded the limit of 2097152 bytes handled by functions$|error calling printf: result would be larger than the limit of \d+ bytes$/);
    expect(Date.now() - started).toBeLessThan(2000);
    const big = { s: "<&'é".repeat(100_000), m: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) };
    for (const text of ["{{range 1000000}}{{len (js $.s)}}{{end}}", "{{range 1000000}}{{lt $.s $.s}}{{end}}", "{{range 1000000}}{{len (print $.m)}}{{end}}"]) {
      expect(failure(() => parseTemplate("f", text).execute(big))).toMatch(/bytes handled by functions$|error calling \w+: result would be larger/);
    }
    expect(parseTemplate("f", "{{len (js $.s)}}").execute({ s: big.s.slice(0, 200_000) })).toBe("800000");
  });

  it("refuses templates with more tokens than it parses", () => {
    expect(failure(() => parseTemplate("t", "{{.a}}".repeat(20_000)))).toBe("template: t:1: template has more than 50000 tokens");
    expect(() => parseTemplate("t", "{{.a}}".repeat(16_000))).not.toThrow();
  });

  it("stops endless template recursion at maxDepth", () => {
    const t = parseTemplate("r", '{{define "x"}}x{{template "x" .}}{{end}}{{template "x" .}}');
    expect(failure(() => t.execute({}))).toBe(
      'template: r:1:26: executing "x" at <{{template "x" .}}>: exceeded maximum template depth (100)',
    );
    expect(failure(() => t.execute({}, { maxDepth: 5 }))).toContain("exceeded maximum template depth (5)");
  });

  it("allows recursion that ends within the depth limit", () => {
    const t = parseTemplate(
      "tree",
      '{{define "node"}}({{.name}}{{range .kids}}{{template "node" .}}{{end}}){{end}}{{template "node" .}}',
    );
    const tree = { name: "a", kids: [{ name: "b", kids: [{ name: "c", kids: [] }] }, { name: "d", kids: [] }] };
    expect(t.execute(tree)).toBe("(a(b(c))(d))");
  });

  it("rejects absurd nesting of parentheses at parse time", () => {
    const text = "{{" + "(".repeat(1500) + "1" + ")".repeat(1500) + "}}";
    expect(failure(() => parseTemplate("p", text))).toBe("template: p:1: max expression depth exceeded");
  });

  it("turns stack exhaustion on deeply nested blocks into a TemplateError", () => {
    const depth = 100_000;
    const text = "{{if 1}}".repeat(depth) + "x" + "{{end}}".repeat(depth);
    expect(failure(() => parseTemplate("deep", text))).toBe("template: deep: nesting too deep");
  });
});
