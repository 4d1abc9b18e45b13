/**
 * Template data with Matchbox's Go types: request.query is a map[string]string
 * (an absent key reads as "" through index, %T and %#v name the type, a field
 * of an element is a field of a string), selectors are strings, metadata is
 * what encoding/json makes of JSON. Compared with Go's own text/template over
 * data built the same way from the same group metadata, selectors and query
 * (go-oracle.ts): hand-picked cases, then generated ones.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MATCHBOX_VOCABULARY, Rng, TemplateGenerator, genMatchboxInput } from "./generator.js";
import { GoOracle, compareTyped, type MatchboxInput } from "./go-oracle.js";

const CASES: string[] = JSON.parse(readFileSync(new URL("./typed-edge-cases.json", import.meta.url), "utf8"));

const INPUTS: MatchboxInput[] = [
  {
    metadata: { name: "node1", os: "flatcar", m: { a: 1 }, request: "overwritten", list: ["a"] },
    selector: { mac: "52:54:00:89:d8:10", OS: "fedora" },
    rawQuery: "mac=52-54-00-89-d8-10&foo=some-param&server=&foo=second&MAC=bad",
  },
  { metadata: null, selector: {}, rawQuery: "" },
  { metadata: { server: "10.0.0.1" }, selector: { os: "x" }, rawQuery: "server=192.0.2.1&a+b=%C3%A9&mac=52:54:00:89:D8:10&foo=%C3%28%FF&x%FF=1" },
];

const RUNS = Number(process.env.NETBOOT_FUZZ_RUNS ?? "") || 1500;
const SEED = Number(process.env.NETBOOT_FUZZ_SEED ?? "") || 20261203;

describe("Matchbox-typed template data against Go text/template", () => {
  let oracle: GoOracle;
  beforeAll(() => {
    oracle = new GoOracle();
  }, 120_000);
  afterAll(() => oracle.close());

  it(`agrees on ${CASES.length} hand-picked templates over ${INPUTS.length} inputs`, { timeout: 120_000 }, async () => {
    const differences: string[] = [];
    for (const text of CASES) {
      // Each case must be one both Go versions render alike (checked over data JSON can carry)...
      const { comparable } = await compareTyped(oracle, text, INPUTS[0]!);
      if (!comparable) differences.push(`${JSON.stringify(text)}: Go versions disagree; pick a case they agree on`);
      // ...and then this engine must agree with Go over every input.
      for (const input of INPUTS) {
        const { difference } = await compareTyped(oracle, text, input, { versionNeutral: true });
        if (difference !== null) differences.push(`${JSON.stringify(text)} with ${JSON.stringify(input)}: ${difference}`);
      }
    }
    expect(differences).toEqual([]);
  });

  it(`agrees on ${RUNS} generated templates over generated metadata, selectors and queries`, { timeout: 600_000 }, async () => {
    const outcomes = { rendered: 0, failed: 0, versionDependent: 0 };
    await fc.assert(
      fc.asyncProperty(fc.noShrink(fc.integer()), fc.noShrink(fc.integer()), async (templateSeed, dataSeed) => {
        const text = new TemplateGenerator(new Rng(templateSeed), MATCHBOX_VOCABULARY).template();
        const input = genMatchboxInput(new Rng(dataSeed));
        const { comparable, go, difference } = await compareTyped(oracle, text, input);
        if (!comparable) {
          outcomes.versionDependent++;
          return;
        }
        outcomes[go.ok ? "rendered" : "failed"]++;
        if (difference !== null) throw new Error(`template ${JSON.stringify(text)}\ninput ${JSON.stringify(input)}\n${difference}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // Most templates must be ones both Go versions agree on, and many must render.
    expect(outcomes.versionDependent).toBeLessThan(RUNS / 10);
    expect(outcomes.rendered).toBeGreaterThan(RUNS / 5);
  });
});
