import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "../../server/observe/logger.js";
import { DataStore } from "../../server/store/store.js";
import { json, makeDataDir, removeDir, writeFiles } from "../support/data-dir.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function quietLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _e, done) {
      for (const l of String(chunk).split("\n")) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("info", sink), lines };
}

async function open(files: Record<string, string>, options: { watch?: boolean } = {}) {
  const dir = makeDataDir(files);
  const { logger, lines } = quietLogger();
  const store = await DataStore.open(dir, { logger, watch: options.watch ?? false });
  cleanups.push(() => {
    store.close();
    removeDir(dir);
  });
  return { dir, store, lines };
}

async function eventually(check: () => boolean, timeoutMs = 1000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

describe("data directory store", () => {
  it("reads JSON and YAML groups and profiles into one snapshot", async () => {
    const { store } = await open({
      "groups/a.json": json({ id: "a", profile: "p", selector: { os: "x" } }),
      "groups/b.yaml": "id: b\nprofile: q\nselector:\n  mac: 52-54-00-AA-BB-CC\n",
      "groups/notes.txt": "ignored",
      "profiles/p.json": json({ id: "p", boot: { kernel: "/k" } }),
      "profiles/q.yml": "id: q\nboot:\n  kernel: /q\n",
    });
    const snap = store.current;
    expect(snap.groups.map((g) => g.id).sort()).toEqual(["a", "b"]);
    expect(snap.groups.find((g) => g.id === "b")!.selector).toEqual({ mac: "52:54:00:aa:bb:cc" });
    expect(snap.profileFor("p")!.boot!.kernel).toBe("/k");
    expect(snap.profileFor("q")!.boot!.kernel).toBe("/q");
    expect(snap.problems).toEqual([]);
  });

  it("reports a broken file with its path, JSON pointer and reason", async () => {
    const { store } = await open({
      "groups/bad.yaml": "id: bad\nselector:\n  serial: 12345\n",
      "profiles/noid.json": json({ boot: {} }),
    });
    expect(store.current.problems).toEqual([
      { file: "groups/bad.yaml", pointer: "/selector/serial", message: "must be string,null", severity: "error" },
      { file: "profiles/noid.json", pointer: "/id", message: "is required", severity: "error" },
    ]);
  });

  it("rejects a YAML document whose aliases expand without bound", async () => {
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++) laughs.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill("*" + String.fromCharCode(96 + i)).join(", ")}]`);
    const { store } = await open({ "groups/laughs.yaml": "id: x\nmetadata:\n  " + laughs.join("\n  ") + "\n" });
    expect(store.current.groups).toEqual([]);
    expect(store.current.problems[0]!.message).toMatch(/expands to more than .* nodes/);
  });

  it("keeps serving the last good version of a file that breaks, and drops a file that is deleted", async () => {
    const { dir, store } = await open({
      "groups/a.json": json({ id: "a", profile: "p" }),
      "profiles/p.json": json({ id: "p", boot: { kernel: "/good" } }),
    });
    writeFileSync(path.join(dir, "profiles/p.json"), '{"id": "p", "boot": ');
    await store.reload("test");
    expect(store.current.profileFor("p")!.boot!.kernel).toBe("/good");
    expect(store.current.problems[0]).toMatchObject({ file: "profiles/p.json", servingLastGood: true });

    writeFileSync(path.join(dir, "profiles/p.json"), json({ id: "p", boot: { kernel: "/fixed" } }));
    await store.reload("test");
    expect(store.current.profileFor("p")!.boot!.kernel).toBe("/fixed");
    expect(store.current.problems).toEqual([]);

    rmSync(path.join(dir, "groups/a.json"));
    await store.reload("test");
    expect(store.current.groups).toEqual([]);
  });

  it("resolves profile references the way Matchbox's file store does", async () => {
    const { store } = await open({
      "groups/a.json": json({ id: "a", profile: "sub/p" }),
      "groups/b.json": json({ id: "b", profile: "../../profiles/escape" }),
      "profiles/sub/p.json": json({ id: "nested", boot: {} }),
      "profiles/escape.json": json({ id: "escape", boot: {} }),
    });
    expect(store.current.profileFor("sub/p")!.id).toBe("nested");
    expect(store.current.profileFor("../../profiles/escape")!.id).toBe("escape");
  });

  it("notices a change through the watcher within a second", async () => {
    const { dir, store } = await open({ "groups/a.json": json({ id: "a" }) }, { watch: true });
    writeFileSync(path.join(dir, "groups/b.json"), json({ id: "b" }));
    expect(await eventually(() => store.current.groups.length === 2)).toBe(true);
  });

  it("follows a Kubernetes ConfigMap volume's ..data symlink swap", async () => {
    const dir = makeDataDir({});
    const groups = path.join(dir, "groups");
    const version = (name: string, files: Record<string, string>) => {
      writeFiles(path.join(groups, name), files);
    };
    mkdirSync(groups);
    version("..2026_01", { "a.json": json({ id: "a", profile: "one" }) });
    symlinkSync("..2026_01", path.join(groups, "..data"));
    symlinkSync("..data/a.json", path.join(groups, "a.json"));
    const { logger } = quietLogger();
    const store = await DataStore.open(dir, { logger, watch: true });
    cleanups.push(() => {
      store.close();
      removeDir(dir);
    });
    expect(store.current.groups[0]!.profile).toBe("one");

    version("..2026_02", { "a.json": json({ id: "a", profile: "two" }) });
    symlinkSync("..2026_02", path.join(groups, "..data_tmp"));
    renameSync(path.join(groups, "..data_tmp"), path.join(groups, "..data"));
    rmSync(path.join(groups, "..2026_01"), { recursive: true });
    expect(await eventually(() => store.current.groups[0]?.profile === "two")).toBe(true);
  });
});

describe("odd keys", () => {
  it("treats __proto__ as an ordinary selector and metadata key", async () => {
    const { store } = await open({ "groups/p.json": '{"id":"p","selector":{"__proto__":"x"},"metadata":{"__proto__":{"a":1}}}' });
    const group = store.current.groups[0]!;
    expect(Object.keys(group.selector)).toEqual(["__proto__"]);
    expect(store.current.index.select(new Map([["__proto__", "x"]]))).toBe(group);
    expect(store.current.index.select(new Map())).toBeUndefined();
  });
});

describe("problem reports", () => {
  it("reports a broken profile once, even when groups name it", async () => {
    const { store } = await open({
      "groups/a.json": json({ id: "a", profile: "p" }),
      "groups/b.json": json({ id: "b", profile: "p", selector: { x: "1" } }),
      "profiles/p.json": "{ broken",
    });
    expect(store.current.problems.map((p) => p.file)).toEqual(["profiles/p.json"]);
  });
});
