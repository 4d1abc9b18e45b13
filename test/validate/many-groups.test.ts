import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validateDataDir } from "../../server/validate/index.js";
import { removeDir } from "../support/data-dir.js";
import { makeManyGroups } from "./many-groups.js";

describe("validate over many groups", () => {
  let dir: string;
  beforeAll(() => {
    dir = makeManyGroups(2000, 500);
  });
  afterAll(() => removeDir(dir));

  it("renders every group's templates and folds one failure shared by many groups into one line per template", async () => {
    const report = await validateDataDir(dir);
    expect(report.groups).toBe(2000);
    expect(report.problems.map((p) => `${p.file}: ${p.severity}: ${p.reason.replace(/: template: .*/, "")}`)).toEqual([
      "generic/env.tmpl: error: for groups/node00000.json (and 3 more groups)",
      "ignition/worker.bu: error: for groups/node00000.json (and 3 more groups)",
    ]);
    for (const p of report.problems) expect(p.reason).toMatch(/map has no entry for key "hostname"/);
    // Typically 1–3 s on a busy 2-core machine; the bound only catches a pathological slowdown.
    expect(report.durationMs).toBeLessThan(60_000);
  }, 120_000);
});
