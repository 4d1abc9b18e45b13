/**
 * Differential test against Go's own text/template (see oracle.ts): random
 * templates over the whole grammar and random JSON data must render to the
 * same bytes, and fail where Go fails. NETBOOT_FUZZ_RUNS and NETBOOT_FUZZ_SEED
 * make longer or different runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng, TemplateGenerator, genData } from "./generator.js";
import { compareWithOracle } from "./oracle.js";

const RUNS = Number(process.env.NETBOOT_FUZZ_RUNS ?? "") || 2000;
const SEED = Number(process.env.NETBOOT_FUZZ_SEED ?? "") || 20261126;

describe("differential against Go text/template", () => {
  it(`agrees on ${RUNS} generated templates and data sets`, { timeout: 600_000 }, async () => {
    let failures = 0;
    const outcomes = { rendered: 0, parseError: 0, execError: 0 };
    await fc.assert(
      fc.asyncProperty(fc.noShrink(fc.integer()), fc.noShrink(fc.integer()), async (templateSeed, dataSeed) => {
        const text = new TemplateGenerator(new Rng(templateSeed)).template();
        const data = genData(new Rng(dataSeed));
        const { oracle, difference: diff } = await compareWithOracle(text, data);
        outcomes[oracle.ok ? "rendered" : oracle.parse ? "parseError" : "execError"]++;
        if (diff !== null) {
          failures++;
          throw new Error(`template ${JSON.stringify(text)}\ndata ${JSON.stringify(data)}\n${diff}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(failures).toBe(0);
    // The generator must keep producing templates that render, not only errors.
    expect(outcomes.rendered).toBeGreaterThan(RUNS / 5);
  });
});
