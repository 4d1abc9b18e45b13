import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GroupIndex } from "../../server/match/index.js";

interface G {
  selector: Record<string, string>;
  file: string;
}

/** The reference model: Matchbox's rule written as plainly as possible. */
function referenceSelect(groups: G[], labels: Map<string, string>): G | undefined {
  const str = (g: G) => Object.entries(g.selector).map(([k, v]) => `${k}=${v}`).sort().join(",");
  const ranked = [...groups].sort((a, b) => {
    const n = Object.keys(b.selector).length - Object.keys(a.selector).length;
    if (n !== 0) return n;
    if (str(a) !== str(b)) return str(a) < str(b) ? 1 : -1;
    return a.file < b.file ? -1 : 1;
  });
  return ranked.find((g) => Object.entries(g.selector).every(([k, v]) => (labels.get(k) ?? "") === v));
}

describe("group selection", () => {
  it("ranks as Matchbox's ByReqs test expects (reverse order of the sorted list)", () => {
    const groups: G[] = [
      { selector: { uuid: "a1b2c3d4", mac: "52:da:00:89:d8:10" }, file: "testGroup" },
      { selector: { uuid: "a1b2c3d4" }, file: "noProfile" },
      { selector: { region: "a" }, file: "one" },
      { selector: { region: "a", zone: "z" }, file: "two" },
      { selector: { region: "b", zone: "z" }, file: "dual" },
    ];
    const index = new GroupIndex(groups);
    expect(index.ranked.map((g) => g.file)).toEqual(["dual", "two", "testGroup", "noProfile", "one"]);
  });

  const key = fc.constantFrom("mac", "uuid", "os", "a", "b", "zone");
  const value = fc.constantFrom("", "1", "2", "x", "52:54:00:00:00:01");
  const selector = fc.dictionary(key, value, { maxKeys: 3 });
  const groups = fc.array(selector, { maxLength: 40 }).map((sels) => sels.map((s, i) => ({ selector: s, file: `g${String(i).padStart(3, "0")}.json` })));
  const labels = fc.dictionary(key, value, { maxKeys: 5 }).map((d) => new Map(Object.entries(d)));

  it("selects exactly what the reference model selects", () => {
    fc.assert(
      fc.property(groups, fc.array(labels, { minLength: 1, maxLength: 10 }), (gs, requests) => {
        const index = new GroupIndex(gs);
        for (const l of requests) expect(index.select(l)).toBe(referenceSelect(gs, l));
      }),
      { numRuns: 500, seed: 1234 },
    );
  });

  it("resolves identical selectors by file name, whatever the input order", () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(["a.json", "b.json", "c.json", "d.json"], { minLength: 2 }), (files) => {
        const index = new GroupIndex(files.map((file) => ({ selector: { os: "x" }, file })));
        expect(index.select(new Map([["os", "x"]]))!.file).toBe([...files].sort()[0]);
      }),
      { numRuns: 100, seed: 5 },
    );
  });

  it("ranks selector strings and file names in UTF-8 byte order, as Go compares strings", () => {
    const utf8 = (s: string) => Buffer.from(s, "utf8");
    const text = fc.constantFrom("a", "z", "é", "\uff01", "\ufffd", "\u{1f600}", "\u{10000}", "中");
    fc.assert(
      fc.property(fc.uniqueArray(fc.array(text, { minLength: 1, maxLength: 3 }).map((parts) => parts.join("")), { minLength: 2, maxLength: 8 }), (values) => {
        const byValue = new GroupIndex(values.map((v, i) => ({ selector: { os: v }, file: `g${i}` })));
        const descending = [...values].sort((a, b) => Buffer.compare(utf8(`os=${b}`), utf8(`os=${a}`)));
        expect(byValue.ranked.map((g) => g.selector.os)).toEqual(descending);
        const byFile = new GroupIndex(values.map((file) => ({ selector: { os: "x" }, file })));
        expect(byFile.ranked.map((g) => g.file)).toEqual([...values].sort((a, b) => Buffer.compare(utf8(a), utf8(b))));
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
