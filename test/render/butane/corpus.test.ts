/**
 * Realistic Butane configs (test/fixtures/butane/*.bu) and the Ignition each
 * must translate to (*.ign.json). Expected outputs follow Butane's translation
 * rules (field mapping, data-URL choice, mount units, boot_device layout,
 * merge order); gzip payloads are compared after decompression.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { translateButane } from "../../../server/render/butane/index.js";
import { canonicalIgnition } from "../../../server/render/ignition/index.js";
import { normaliseGzipSources } from "../support/gzip-sources.js";
import { expectIgnitionValid } from "../support/ignition-validate.js";

const DIR = join(import.meta.dirname, "../../fixtures/butane");
const sources = readdirSync(DIR).filter((f) => f.endsWith(".bu"));

describe("Butane corpus", () => {
  test("covers fcos and flatcar across several versions", () => {
    const versions = new Set(sources.map((f) => f.replace(/-[^-]*\.bu$/, "").replace(/-[a-z]+$/, "")));
    expect(sources.length).toBeGreaterThanOrEqual(8);
    expect([...versions].filter((v) => v.startsWith("fcos")).length).toBeGreaterThanOrEqual(5);
    expect([...versions].filter((v) => v.startsWith("flatcar")).length).toBe(2);
  });

  for (const file of sources) {
    test(file, () => {
      const { ignition, warnings } = translateButane(readFileSync(join(DIR, file), "utf8"), `ignition/${file}`);
      const expected = readFileSync(join(DIR, file.replace(/\.bu$/, ".ign.json")), "utf8");
      expect(normaliseGzipSources(ignition)).toBe(normaliseGzipSources(expected));
      expectIgnitionValid(ignition);
      // Served output is a fixed point of the raw path: re-reading it changes nothing.
      expect(canonicalIgnition(ignition, `ignition/${file}.ign`)).toBe(ignition);
      for (const warning of warnings) expect(warning).toMatch(new RegExp(`^ignition/${file.replace(/\./g, "\\.")}(:\\d+)?: `));
    });
  }
});
