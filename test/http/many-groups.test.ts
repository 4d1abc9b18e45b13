import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";

/**
 * A Matchbox-style data directory with thousands of groups: MAC-selected
 * machines, two-stage install groups (`mac` + `os`), rack-wide groups and a
 * default. Answers over HTTP must equal Matchbox's rule applied naively.
 */
const MACHINES = 3000;
const mac = (i: number) => `52:54:00:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;

interface Spec {
  file: string;
  selector: Record<string, string>;
  profile: string;
}

function buildSpecs(): Spec[] {
  const specs: Spec[] = [{ file: "groups/default.json", selector: {}, profile: "default" }];
  for (let i = 0; i < MACHINES; i++) {
    specs.push({ file: `groups/node${i}.json`, selector: { mac: mac(i) }, profile: `p${i % 7}` });
    if (i % 10 === 0) specs.push({ file: `groups/node${i}-installed.json`, selector: { mac: mac(i), os: "installed" }, profile: "installed" });
  }
  for (let r = 0; r < 20; r++) specs.push({ file: `groups/rack${r}.json`, selector: { rack: String(r) }, profile: `rack${r % 3}` });
  return specs;
}

function rankNaively(specs: Spec[]): Spec[] {
  const str = (s: Spec) => Object.entries(s.selector).map(([k, v]) => `${k}=${v}`).sort().join(",");
  return [...specs].sort((a, b) => {
    const n = Object.keys(b.selector).length - Object.keys(a.selector).length;
    if (n) return n;
    if (str(a) !== str(b)) return str(a) < str(b) ? 1 : -1;
    return a.file < b.file ? -1 : 1;
  });
}

function referenceProfile(ranked: Spec[], labels: Record<string, string>): string | undefined {
  return ranked.find((s) => Object.entries(s.selector).every(([k, v]) => (labels[k] ?? "") === v))?.profile;
}

describe("a data directory with thousands of groups", () => {
  const specs = buildSpecs();
  const ranked = rankNaively(specs);
  const profiles = ["default", "installed", ...Array.from({ length: 7 }, (_, i) => `p${i}`), "rack0", "rack1", "rack2"];
  let s: TestServer;
  beforeAll(async () => {
    const files: Record<string, string> = {};
    for (const spec of specs) files[spec.file] = json({ id: spec.file, profile: spec.profile, selector: spec.selector });
    for (const p of profiles) files[`profiles/${p}.json`] = json({ id: p, boot: { kernel: `/${p}` } });
    s = await startTestServer({ files });
  });
  afterAll(() => s.close());

  it("answers every request as the naive precedence rule does", async () => {
    const request = fc.record(
      {
        mac: fc.integer({ min: 0, max: MACHINES + 50 }).map((i) => mac(i).replace(/:/g, "-").toUpperCase()),
        os: fc.constantFrom("installed", "other"),
        rack: fc.integer({ min: 0, max: 25 }).map(String),
      },
      { requiredKeys: [] },
    );
    const samples = fc.sample(request, { numRuns: 300, seed: 99 });
    for (const labels of samples) {
      const query = new URLSearchParams(labels).toString();
      const normalised = { ...labels, ...(labels.mac ? { mac: labels.mac.toLowerCase().replace(/-/g, ":") } : {}) };
      const expected = referenceProfile(ranked, normalised);
      const res = await s.get(`/ipxe?${query}`);
      expect(res.body, query).toBe(`#!ipxe\nkernel /${expected}\nboot\n`);
    }
  });
});
