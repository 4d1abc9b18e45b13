import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateCommand } from "../../server/cli/validate.js";
import { strayKeys } from "../../server/store/fields.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCommand } from "../validate/run-command.js";

const PINO_WARN = 40;

/** Keys Matchbox ignores without a word: typos and keys at the wrong level. */
const FILES: Record<string, string> = {
  // A typo: Matchbox boots this profile with an empty kernel.
  "profiles/typo.json": json({ id: "typo", boot: { kernal: "/assets/vmlinuz", args: ["console=ttyS0"] } }),
  // `kernel` beside `boot` instead of in it.
  "profiles/flat.json": json({ id: "flat", kernel: "/assets/vmlinuz", boot: { args: ["x=1"] }, cmdline: { root: "/dev/sda1" } }),
  // Go matches field names in any case: none of these is unknown.
  "profiles/upper.json": json({ ID: "upper", Name: "n", Boot: { Kernel: "/k", ARGS: ["a"], inıtrd: [] }, "Generic_ID": "g.tmpl" }),
  "generic/g.tmpl": "upper\n",
  "groups/typo.json": json({ id: "typo", profile: "typo", selector: { serial: "TYPO" }, metadta: { hostname: "t" } }),
  "groups/flat.json": json({ id: "flat", profile: "flat", selector: { serial: "FLAT" } }),
  "groups/upper.json": json({ ID: "upper", PROFILE: "upper", "ſelector": { serial: "UPPER" }, "metadata": { K: 1 } }),
  // `mac` at the level of `selector` instead of under it: a catch-all group.
  "groups/indent.yaml": "id: indent\nprofile: flat\nselector:\nmac: 52:54:00:aa:bb:cc\n",
};

describe("keys Matchbox ignores", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function serve(files: Record<string, string>): Promise<TestServer> {
    const s = await startTestServer({ files });
    cleanups.push(() => s.close());
    return s;
  }

  it("are served as Matchbox serves them (ignored)", async () => {
    const s = await serve(FILES);
    expect((await s.get("/ipxe?serial=TYPO")).body).toBe("#!ipxe\nkernel  console=ttyS0\nboot\n");
    expect((await s.get("/ipxe?serial=FLAT")).body).toBe("#!ipxe\nkernel  x=1\nboot\n");
    expect((await s.get("/metadata?serial=TYPO")).body).not.toContain("HOSTNAME");
    // Field names in any case, `ſ` for s included, as Go matches them.
    expect((await s.get("/ipxe?serial=UPPER")).body).toBe("#!ipxe\nkernel /k a\nboot\n");
    expect((await s.get("/generic?serial=UPPER")).body).toBe("upper\n");
    // The mis-indented MAC selects nothing: the group matches every machine.
    expect((await s.get("/ipxe?serial=other")).body).toBe("#!ipxe\nkernel  x=1\nboot\n");
  });

  it("are logged once, at warn, with the file, the JSON pointer and the key probably meant", async () => {
    const s = await serve(FILES);
    await s.server.store.reload("test");
    const warnings = s.logs.filter((l) => l.level === PINO_WARN && typeof l.file === "string").map((l) => l.msg);
    expect(warnings.sort()).toEqual([
      'groups/indent.yaml /mac: unknown key "mac" is ignored (did you mean /selector/mac?); as written, this group\'s selector is empty, so it matches every machine',
      'groups/typo.json /metadta: unknown key "metadta" is ignored (did you mean /metadata?)',
      'profiles/flat.json /cmdline: unknown key "cmdline" is ignored (Matchbox dropped cmdline in v0.7.0; kernel arguments go in /boot/args)',
      'profiles/flat.json /kernel: unknown key "kernel" is ignored (did you mean /boot/kernel?)',
      'profiles/typo.json /boot/kernal: unknown key "kernal" is ignored (did you mean /boot/kernel?)',
      'profiles/upper.json /Boot/inıtrd: unknown key "inıtrd" is ignored (did you mean /boot/initrd?)',
    ]);
    // Nothing about them is logged as an error.
    expect(s.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    // A new version of the file that keeps the key is reported again, once.
    writeFileSync(path.join(s.dataDir, "profiles/typo.json"), json({ id: "typo", boot: { kernal: "/assets/vmlinuz2" } }));
    await s.server.store.reload("edited");
    await s.server.store.reload("unchanged");
    const typo = s.logs.filter((l) => l.level === PINO_WARN && l.file === "profiles/typo.json");
    expect(typo).toHaveLength(2);
  });

  it("are reported by netboot validate, which still exits 0 for them", async () => {
    const dir = makeDataDir(FILES);
    cleanups.push(() => removeDir(dir));
    const { code, stdout } = await runCommand(validateCommand, ["-data-path", dir]);
    const lines = stdout.split("\n").filter((l) => l.includes("did you mean") || l.includes("unknown key"));
    expect(lines).toEqual([
      'groups/indent.yaml:/mac: warning: unknown key "mac" is ignored (did you mean /selector/mac?); as written, this group\'s selector is empty, so it matches every machine',
      'groups/typo.json:/metadta: warning: unknown key "metadta" is ignored (did you mean /metadata?)',
      'profiles/flat.json:/cmdline: warning: unknown key "cmdline" is ignored (Matchbox dropped cmdline in v0.7.0; kernel arguments go in /boot/args)',
      'profiles/flat.json:/kernel: warning: unknown key "kernel" is ignored (did you mean /boot/kernel?)',
      'profiles/typo.json:/boot/kernal: warning: unknown key "kernal" is ignored (did you mean /boot/kernel?)',
      'profiles/upper.json:/Boot/inıtrd: warning: unknown key "inıtrd" is ignored (did you mean /boot/initrd?)',
    ]);
    expect(code).toBe(0);
  });

  it("a selector indented into metadata is reported (it is template data there, and the group matches every machine)", async () => {
    const dir = makeDataDir({
      "groups/nested.yaml": "id: nested\nprofile: p\nmetadata:\n  hostname: n\n  selector:\n    serial: NESTED\n",
      "profiles/p.json": json({ id: "p", boot: { kernel: "/k" } }),
    });
    cleanups.push(() => removeDir(dir));
    const { code, stdout } = await runCommand(validateCommand, ["-data-path", dir]);
    expect(stdout.split("\n")[0]).toBe(
      'groups/nested.yaml:/metadata/selector: warning: "selector" inside metadata is template data, not the group\'s selector (did you mean /selector?); ' +
        "as written, this group's selector is empty, so it matches every machine",
    );
    expect(code).toBe(0);
  });

  it("the selector hints follow the keys Go would read: any case, the last key for a field winning", () => {
    const nested = { "METADATA": { selector: { serial: "S" } } };
    expect(strayKeys("group", { ...nested, Selector: { serial: "X" } })).toEqual([
      { pointer: "/METADATA/selector", message: '"selector" inside metadata is template data, not the group\'s selector (did you mean /selector?)' },
    ]);
    expect(strayKeys("group", nested)[0]!.message).toMatch(/; as written, this group's selector is empty, so it matches every machine$/);
    // A later `Metadata` is the one Go keeps: the nested selector before it is gone.
    expect(strayKeys("group", { metadata: { selector: { serial: "S" } }, Metadata: { hostname: "h" } })).toEqual([]);
    // A later empty `SELECTOR` empties the selector: the hint about a stray `mac` says so.
    const hint = strayKeys("group", { selector: { serial: "S" }, mac: "52:54:00:00:00:01", SELECTOR: {} });
    expect(hint.map((k) => k.pointer)).toEqual(["/mac"]);
    expect(hint[0]!.message).toContain("as written, this group's selector is empty");
    expect(strayKeys("group", { SELECTOR: {}, selector: { serial: "S" }, mac: "52:54:00:00:00:01" })[0]!.message).not.toContain("selector is empty");
  });

  it("a JSON syntax error names the line and column, on one line", async () => {
    const dir = makeDataDir({ "groups/comma.json": '{\n  "id": "comma",\n  "profile": "p",\n}\n' });
    cleanups.push(() => removeDir(dir));
    const { stdout } = await runCommand(validateCommand, ["-data-path", dir]);
    expect(stdout).toContain("groups/comma.json: error: invalid JSON at line 4, column 1: invalid character '}' looking for beginning of object key string\n");
    writeFileSync(path.join(dir, "groups/comma.json"), '{"id": "x", "secret": "hunter2" "profile": "p"}');
    const again = await runCommand(validateCommand, ["-data-path", dir]);
    expect(again.stdout).toContain("groups/comma.json: error: invalid JSON at line 1, column 33: invalid character '\"' after object key:value pair\n");
    expect(again.stdout).not.toContain("hunter2");
  });
});
