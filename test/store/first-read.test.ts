/**
 * A file first seen is read in one call and stat'ed after, when its times say
 * nothing can have changed it during the read; otherwise it is read the
 * careful way (stat, read, stat). Both ways must give the same snapshot,
 * problems included, for every kind of file a data directory can hold.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync, type Stats } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FileCache, FIRST_READ_BYTES, firstReadTrusted } from "../../server/store/file-cache.js";
import { loadSnapshot } from "../../server/store/loader.js";
import { STORE_LIMITS } from "../../server/store/limits.js";
import { STORE_TIMING } from "../../server/store/timing.js";
import type { Snapshot } from "../../server/store/snapshot.js";

// Real calls, counted: which way a file was read shows in how many stats it took.
vi.mock("node:fs", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs")>();
  return { ...real, fstatSync: vi.fn(real.fstatSync), readSync: vi.fn(real.readSync) };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "netboot-first-read-"));
  vi.mocked(fs.fstatSync).mockClear();
  vi.mocked(fs.readSync).mockClear();
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A clock far enough ahead that every file just written counts as long unchanged. */
const later = () => Date.now() + 3_600_000;

function write(relative: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
  writeFileSync(path.join(dir, relative), text);
}

const json = (value: unknown) => JSON.stringify(value, null, 2);
const group = (id: string, mac: string, extra: Record<string, unknown> = {}) => json({ id, profile: "worker", selector: { mac }, ...extra });

/** What a snapshot serves and reports, in a form two snapshots can be compared by. */
function served(snapshot: Snapshot) {
  return {
    groups: snapshot.groups.map((g) => ({ ...g })),
    profiles: [...snapshot.profiles.entries()],
    templates: [...snapshot.templates.entries()].map(([name, file]) => [name, file.text]),
    problems: [...snapshot.problems].sort((a, b) => `${a.file}${a.message}`.localeCompare(`${b.file}${b.message}`)),
  };
}

/** A data directory with every kind of file the loader meets: good, broken, large, odd. */
function batteryOfFiles(): void {
  write("groups/a.json", group("a", "52:54:00:00:00:01"));
  write("groups/b.yaml", `id: b\nprofile: worker\nselector:\n  mac: "52:54:00:00:00:02"\nmetadata:\n  greeting: "grüße, 世界"\n`);
  write("groups/broken.json", '{"id": "broken", "selector": {');
  write("groups/empty.yaml", "");
  write("groups/stray.json", json({ id: "stray", profile: "worker", mac: "52:54:00:00:00:03" }));
  // Just under, at, and over the size read in one call; and over the limit.
  const padded = (id: string, bytes: number) => {
    const base = group(id, "52:54:00:00:00:04", { metadata: { pad: "" } });
    return base.replace('"pad": ""', `"pad": "${"x".repeat(bytes - base.length)}"`);
  };
  write("groups/under.json", padded("under", FIRST_READ_BYTES - 1));
  write("groups/exact.json", padded("exact", FIRST_READ_BYTES));
  write("groups/over.json", padded("over", FIRST_READ_BYTES + 1));
  write("groups/huge.json", padded("huge", STORE_LIMITS.maxDocumentBytes + 1));
  mkdirSync(path.join(dir, "groups/folder.json"));
  execFileSync("mkfifo", [path.join(dir, "groups/pipe.json")]);
  symlinkSync("a.json", path.join(dir, "groups/link.json"));
  symlinkSync("missing.json", path.join(dir, "groups/dangling.json"));
  symlinkSync("loop.json", path.join(dir, "groups/loop.json"));
  symlinkSync("/dev/zero", path.join(dir, "groups/zero.json"));
  write("profiles/worker.json", json({ id: "worker", ignition_id: "worker.ign", boot: { kernel: "/assets/k", args: ["console=ttyS0"] } }));
  write("profiles/other.yaml", "id: other\nboot:\n  kernel: /assets/other\n");
  write("ignition/worker.ign", json({ ignition: { version: "3.4.0" } }));
}

async function loadWith(now: () => number): Promise<Snapshot> {
  return loadSnapshot(dir, new FileCache(undefined, now), 1);
}

describe("reading a file first seen", () => {
  it("gives the same snapshot, problems included, whichever way each file is read", async () => {
    batteryOfFiles();
    const careful = await loadWith(Date.now);
    const carefulStats = vi.mocked(fs.fstatSync).mock.calls.length;
    vi.mocked(fs.fstatSync).mockClear();
    const inOneCall = await loadWith(later);
    const oneCallStats = vi.mocked(fs.fstatSync).mock.calls.length;

    expect(served(inOneCall)).toEqual(served(careful));
    // The battery's own checks: what each odd file gives.
    const problems = served(careful).problems.map((p) => `${p.file}: ${p.message}`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^groups\/broken\.json: invalid JSON/),
        "groups/empty.yaml: the file is empty",
        `groups/huge.json: file is larger than ${STORE_LIMITS.maxDocumentBytes} bytes`,
        "groups/folder.json: is a folder, not a file",
        "groups/pipe.json: is a named pipe (FIFO), not a regular file",
        "groups/loop.json: cannot read: symbolic link loop (ELOOP)",
        "groups/zero.json: is a device, not a regular file",
        expect.stringMatching(/^groups\/stray\.json: unknown key "mac"/),
      ]),
    );
    expect(careful.groups.map((g) => g.id).sort()).toEqual(["a", "a", "b", "exact", "over", "stray", "under"]);
    expect(careful.groups.find((g) => g.id === "b")?.metadata).toEqual({ greeting: "grüße, 世界" });
    // The careful way takes a stat before and after each read; in one call, one stat for each file under the size read at once.
    const readInOneCall = ["a", "b", "broken", "empty", "stray", "under", "link", "worker", "other", "worker.ign"];
    expect(carefulStats - oneCallStats).toBe(readInOneCall.length);
  });

  it("reads a file changed a moment before the load the careful way", async () => {
    write("groups/a.json", group("a", "52:54:00:00:00:01"));
    const snapshot = await loadWith(Date.now);
    expect(snapshot.groups.map((g) => g.id)).toEqual(["a"]);
    expect(vi.mocked(fs.fstatSync).mock.calls.length).toBe(2);
    expect(vi.mocked(fs.readSync).mock.calls.length).toBe(2); // the one-call read, not trusted, then the careful one
  });

  it("takes one stat for a file long unchanged, and notices a later change of the same size", async () => {
    write("groups/a.json", group("a", "52:54:00:00:00:01"));
    const cache = new FileCache(undefined, later);
    const first = await loadSnapshot(dir, cache, 1);
    expect(first.groups[0]?.selector).toEqual({ mac: "52:54:00:00:00:01" });
    expect(vi.mocked(fs.fstatSync).mock.calls.length).toBe(1);
    expect(vi.mocked(fs.readSync).mock.calls.length).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 20)); // past the file times' granularity
    write("groups/a.json", group("a", "52:54:00:00:00:09"));
    const second = await loadSnapshot(dir, cache, 2);
    expect(second.groups[0]?.selector).toEqual({ mac: "52:54:00:00:00:09" });
    expect(second.problems).toEqual([]);
  });
});

describe("whether a read in one call is the whole of a version", () => {
  const now = Date.now();
  const unchangedBefore = now - STORE_TIMING.firstReadMinAgeMs;
  let fileStats: Stats;
  let folderStats: Stats;
  beforeEach(() => {
    write("a.json", "{}");
    fileStats = statSync(path.join(dir, "a.json"));
    folderStats = statSync(dir);
  });
  /** The file's stats with other times and size. */
  const stats = (base: Stats, changes: Partial<Pick<Stats, "size" | "ctimeMs" | "mtimeMs">>): Stats =>
    Object.assign(Object.create(Object.getPrototypeOf(base) as object) as Stats, base, { ctimeMs: now - 60_000, mtimeMs: now - 60_000 }, changes);

  it("is, for a regular file of the length read, changed and modified well before the load", () => {
    expect(firstReadTrusted(2, stats(fileStats, { size: 2 }), unchangedBefore)).toBe(true);
    expect(firstReadTrusted(0, stats(fileStats, { size: 0 }), unchangedBefore)).toBe(true);
  });

  it("is not when the file changed, or had its times set, during or just before the load", () => {
    expect(firstReadTrusted(2, stats(fileStats, { size: 2, ctimeMs: now }), unchangedBefore)).toBe(false);
    expect(firstReadTrusted(2, stats(fileStats, { size: 2, ctimeMs: unchangedBefore }), unchangedBefore)).toBe(false);
    // A modification time in the future (another clock, or set so).
    expect(firstReadTrusted(2, stats(fileStats, { size: 2, mtimeMs: now + 60_000 }), unchangedBefore)).toBe(false);
  });

  it("is not when the length read is not the file's size, or the read filled the buffer", () => {
    expect(firstReadTrusted(1, stats(fileStats, { size: 2 }), unchangedBefore)).toBe(false);
    expect(firstReadTrusted(3, stats(fileStats, { size: 2 }), unchangedBefore)).toBe(false);
    expect(firstReadTrusted(FIRST_READ_BYTES, stats(fileStats, { size: FIRST_READ_BYTES }), unchangedBefore)).toBe(false);
    expect(firstReadTrusted(-1, stats(fileStats, { size: 2 }), unchangedBefore)).toBe(false);
  });

  it("is not for anything but a regular file", () => {
    expect(firstReadTrusted(0, stats(folderStats, { size: 0 }), unchangedBefore)).toBe(false);
  });
});
