/**
 * `npm ci && npm test` must work on a machine with only Node and npm: every
 * program the tests start (directly, or through the server code they run) is
 * either installed by `pretest` (scripts/ensure-tools.sh) or part of every
 * Debian system. test/fresh/run.sh proves it on a fresh Debian; this keeps the
 * list honest on every run.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** Essential on every Debian system (bash, coreutils, util-linux) or part of Node and npm. */
const ALWAYS_THERE = new Set(["sh", "bash", "cat", "sleep", "mkfifo", "prlimit", "setpriv", "node", "npm", "npx"]);
/** This project's own command, which the test that runs it puts on PATH itself. */
const OWN = new Set(["netboot"]);
/** Suites with their own runners that .ci/run starts after installing .ci/apt-packages.txt. */
const OTHER_SUITES = ["test/e2e", "test/chart", "test/image", "test/fresh/run.sh"];

function files(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (OTHER_SUITES.some((s) => relative.startsWith(s))) return [];
    if (entry.isDirectory()) return files(relative);
    return /\.(ts|mjs)$/.test(entry.name) && !entry.name.endsWith(".nstest.ts") ? [relative] : [];
  });
}

/** Program names given as literals to the ways this code starts processes. */
function spawned(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  // Only code that can start a process (others have in-process `run(…)` helpers).
  if (!/from "(execa|node:child_process)"|from "\.\/ns\/netns\.js"|from "\.\.\/wireguard\/ns\/netns\.js"/.test(text)) return [];
  const names: string[] = [];
  const patterns = [
    /\b(?:execFileSync|execFile|execa|spawnSync|spawn|run)\(\s*"([^"]+)"/g, // execa("wg", …), run("ip", …)
    /\.(?:exec|spawn)\(\s*\w+,\s*"([^"]+)"/g, // lab.exec(ns, "ping", …)
    /\bexec\(\s*"([^"]+)"/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) names.push(m[1]!);
  return names;
}

function pretestTools(): Set<string> {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const script = pkg.scripts.pretest!;
  expect(script).toMatch(/^bash scripts\/ensure-tools\.sh /);
  return new Set([...script.matchAll(/(\S+)=\S+/g)].map((m) => m[1]!));
}

describe("programs the tests start", () => {
  const sources = [...files("test"), ...files("server")];
  const used = new Map<string, string[]>();
  for (const file of sources) for (const name of spawned(file)) used.set(name, [...(used.get(name) ?? []), file]);

  it("are found", () => {
    expect([...used.keys()]).toEqual(expect.arrayContaining(["dnsmasq", "kea-dhcp4", "wg", "wireguard-go", "ip", "ping", "flock"]));
  });

  it("are installed by npm test's pretest or are on every Debian system", () => {
    const installed = pretestTools();
    const missing = [...used.entries()].filter(([name]) => !installed.has(name) && !ALWAYS_THERE.has(name) && !OWN.has(name)).map(([name, where]) => `${name} (${[...new Set(where)].join(", ")})`);
    expect(missing).toEqual([]);
  });
});
