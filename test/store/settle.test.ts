/**
 * When a reload may read a file that changed a moment ago (real files, the
 * store's own cache): a file renamed into place, or a JSON document that
 * parses, is whole; anything else written in place waits until it settles.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDocument } from "../../server/store/document.js";
import { FileCache } from "../../server/store/file-cache.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "netboot-settle-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const readYaml = (text: string) => parseDocument(text, "yaml");
const readJson = (text: string) => parseDocument(text, "json");

/** A load that, like a reload on change, leaves files changed a moment ago until they settle. */
function reloadOnChange<T>(cache: FileCache, name: string, read: (text: string) => T) {
  cache.beginLoad({ settle: true });
  const outcome = cache.load(path.join(dir, name), name, 1 << 20, read);
  cache.endLoad();
  return outcome;
}

/** Waits past the kernel's timestamp granularity, so that the next change gets a later time. */
const nextTick = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("reading files that changed a moment ago", () => {
  it("waits for a YAML file written in place, keeping its last good version meanwhile", async () => {
    const cache = new FileCache();
    writeFileSync(path.join(dir, "a.yaml"), "id: one\n");
    expect(reloadOnChange(cache, "a.yaml", readYaml)).toBeUndefined(); // new and still settling: not there yet
    cache.beginLoad();
    expect(cache.load(path.join(dir, "a.yaml"), "a.yaml", 1 << 20, readYaml)).toEqual({ value: { id: "one" } });
    cache.endLoad();
    await nextTick();
    writeFileSync(path.join(dir, "a.yaml"), "id: tw");
    expect(reloadOnChange(cache, "a.yaml", readYaml)).toEqual({ value: { id: "one" } });
    expect(cache.settleDelayMs()).toBeGreaterThan(0);
  });

  it("reads a file renamed into place at once: its content was complete before the rename", async () => {
    const cache = new FileCache();
    writeFileSync(path.join(dir, ".a.yaml.tmp"), "id: two\n");
    await nextTick();
    renameSync(path.join(dir, ".a.yaml.tmp"), path.join(dir, "a.yaml"));
    expect(reloadOnChange(cache, "a.yaml", readYaml)).toEqual({ value: { id: "two" } });
    expect(cache.settleDelayMs()).toBeUndefined();
  });

  it("reads a JSON document written in place as soon as it parses, and never a part of one", async () => {
    const cache = new FileCache();
    const whole = JSON.stringify({ id: "node1", selector: { mac: "52:54:00:aa:bb:01" } }, null, 2);
    writeFileSync(path.join(dir, "g.json"), "[]");
    cache.beginLoad();
    cache.load(path.join(dir, "g.json"), "g.json", 1 << 20, readJson);
    cache.endLoad();
    for (let cut = 1; cut < whole.length; cut += 7) {
      await nextTick();
      writeFileSync(path.join(dir, "g.json"), whole.slice(0, cut));
      expect(reloadOnChange(cache, "g.json", readJson), `cut at ${cut}`).toEqual({ value: [] });
    }
    await nextTick();
    writeFileSync(path.join(dir, "g.json"), whole);
    expect(reloadOnChange(cache, "g.json", readJson)).toEqual({ value: JSON.parse(whole) });
  });

  it("waits for a JSON file that holds no object or array (a prefix of one may parse: 1 of 12)", async () => {
    const cache = new FileCache();
    writeFileSync(path.join(dir, "n.json"), "1");
    expect(reloadOnChange(cache, "n.json", readJson)).toBeUndefined();
  });
});
