import { closeSync, openSync, ftruncateSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { bootableFiles, expectBootScript, GOOD_MAC } from "./support/fixtures.js";
import { peakResidentGrowth } from "./support/memory.js";

const MAC = {
  laughs: "52:54:00:00:0b:01",
  oversize: "52:54:00:00:0b:02",
  sparse: "52:54:00:00:0b:03",
  deep: "52:54:00:00:0b:04",
  hugeOutput: "52:54:00:00:0b:05",
  recursion: "52:54:00:00:0b:06",
  mutual: "52:54:00:00:0b:07",
};

/** Nine levels of nine aliases: a few hundred bytes that expand to 9^9 strings. */
function billionLaughs(): string {
  const lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let level = 1; level <= 9; level++) {
    lines.push(`l${level}: &l${level} [${Array(9).fill(`*l${level - 1}`).join(", ")}]`);
  }
  return [`id: laughs`, `profile: worker`, `selector: {mac: "${MAC.laughs}"}`, `metadata:`, ...lines.map((l) => "  " + l)].join("\n") + "\n";
}

/** A valid group document a little over the 4 MiB document limit. */
function oversizeGroup(): string {
  return json({ id: "oversize", profile: "worker", selector: { mac: MAC.oversize }, metadata: { pad: "p".repeat(5 * 1024 * 1024) } });
}

const genericProfile = (id: string, template: string) => json({ id, generic_id: template });
const groupFor = (id: string, profile: string, mac: string) => json({ id, profile, selector: { mac } });

const FILES: Record<string, string> = {
  ...bootableFiles(),
  "groups/laughs.yaml": billionLaughs(),
  "groups/oversize.json": oversizeGroup(),
  "groups/deep.json": `{"id":"deep","profile":"worker","selector":{"mac":"${MAC.deep}"},"metadata":{"x":${"[".repeat(100_000)}${"]".repeat(100_000)}}}`,
  "groups/huge-output.json": json({
    id: "huge-output",
    profile: "huge-output",
    selector: { mac: MAC.hugeOutput },
    metadata: { items: Array.from({ length: 100 }, (_, i) => i), chunk: "x".repeat(1024) },
  }),
  "profiles/huge-output.json": genericProfile("huge-output", "huge-output.tmpl"),
  // 100 × 100 × 100 KiB: 100 MB unless output is bounded.
  "generic/huge-output.tmpl": "{{range .items}}{{range $.items}}{{range $.items}}{{$.chunk}}{{end}}{{end}}{{end}}\n",
  "groups/recursion.json": groupFor("recursion", "recursion", MAC.recursion),
  "profiles/recursion.json": genericProfile("recursion", "recursion.tmpl"),
  "generic/recursion.tmpl": '{{define "loop"}}again {{template "loop" .}}{{end}}{{template "loop" .}}\n',
  "groups/mutual.json": groupFor("mutual", "mutual", MAC.mutual),
  "profiles/mutual.json": genericProfile("mutual", "mutual.tmpl"),
  "generic/mutual.tmpl": '{{define "a"}}{{template "b" .}}{{end}}{{define "b"}}{{template "a" .}}{{end}}{{template "a" .}}\n',
};

describe("bounded parsing of hostile data-directory files", () => {
  let s: TestServer;
  let loadGrowth = 0;
  beforeAll(async () => {
    const { result, growthBytes } = await peakResidentGrowth(async () => {
      const { makeDataDir } = await import("../support/data-dir.js");
      const dataDir = makeDataDir(FILES);
      // A sparse 1 GiB group file: costs no disk, but must not be read into memory whole.
      const fd = openSync(path.join(dataDir, "groups", "sparse.json"), "w");
      ftruncateSync(fd, 1024 ** 3);
      closeSync(fd);
      return startTestServer({ dataDir });
    });
    s = result;
    loadGrowth = growthBytes;
  }, 60_000);
  afterAll(async () => {
    await s.close();
    const { removeDir } = await import("../support/data-dir.js");
    removeDir(s.dataDir);
  });

  const errorLogsFor = (file: string) => s.logs.filter((l) => (l.level as number) >= 50 && JSON.stringify(l).includes(file));

  it("loads the directory without holding any hostile file in memory whole", () => {
    expect(loadGrowth).toBeLessThan(256 * 1024 * 1024);
  });

  it.each([
    ["groups/laughs.yaml", MAC.laughs, /alias|expand/i],
    ["groups/oversize.json", MAC.oversize, /larger|size|limit/i],
    ["groups/sparse.json", MAC.sparse, /./],
    ["groups/deep.json", MAC.deep, /deep|nest|depth/i],
  ])("refuses %s with an error naming the file, and no group is selected from it", async (file, mac, reason) => {
    const logged = errorLogsFor(file);
    expect(logged.length, `no error logged for ${file}`).toBeGreaterThan(0);
    expect(JSON.stringify(logged[0])).toMatch(reason);
    const res = await s.get(`/ipxe?mac=${mac}`);
    expect(res.status).toBe(404);
  });

  it.each([
    ["generic/huge-output.tmpl", MAC.hugeOutput],
    ["generic/recursion.tmpl", MAC.recursion],
    ["generic/mutual.tmpl", MAC.mutual],
  ])("answers %s with a 500 naming the file, quickly", async (file, mac) => {
    const started = Date.now();
    const res = await s.get(`/generic?mac=${mac}`);
    expect(res.status).toBe(500);
    expect(res.body).toContain(path.basename(file));
    expect(res.bytes.length).toBeLessThan(64 * 1024);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(errorLogsFor(path.basename(file)).length).toBeGreaterThan(0);
  });

  it("keeps serving the other groups", async () => {
    const res = await s.get(`/ipxe?mac=${GOOD_MAC}`);
    expect(res.status).toBe(200);
    expectBootScript(res.body);
  });
});
