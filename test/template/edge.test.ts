/**
 * Hand-picked edge cases (every builtin, fmt verbs and error forms, number
 * syntaxes, byte strings, parse errors over several lines, version-specific
 * features) that must render exactly as Go's text/template renders them.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CORPUS_DATA } from "./corpus.js";
import { compareWithOracle } from "./oracle.js";

const CASES: string[] = JSON.parse(readFileSync(new URL("./edge-cases.json", import.meta.url), "utf8"));

const DATA = { ...CORPUS_DATA, three: [1, "a", null] };

describe("edge cases against Go text/template", () => {
  it(`agrees on ${CASES.length} hand-picked templates`, { timeout: 120_000 }, async () => {
    const differences: string[] = [];
    for (const text of CASES) {
      const { difference } = await compareWithOracle(text, DATA);
      if (difference !== null) differences.push(`${JSON.stringify(text)}: ${difference}`);
    }
    expect(differences).toEqual([]);
  });
});
