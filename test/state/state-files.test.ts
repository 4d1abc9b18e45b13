import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { encodeState } from "../../server/state/record.js";
import { MachineStateStore, type StateEvent } from "../../server/state/store.js";
import { eventually } from "../observe/boot-replay.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { FILES, INSTALLER_IPXE, LOCAL_DISK_IPXE, MAC, Q, stateFile, tempDir } from "./fixtures.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  cleanups.push(() => removeDir(d));
  return d;
}

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(options);
  cleanups.push(() => s.close());
  return s;
}

function data(files: Record<string, string> = FILES): string {
  const d = makeDataDir(files);
  cleanups.push(() => removeDir(d));
  return d;
}

async function openStore(path: string, options: Partial<Parameters<typeof MachineStateStore.open>[1]> = {}) {
  const events: StateEvent[] = [];
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const store = await MachineStateStore.open(path, { logger, watch: false, onEvent: (e) => events.push(e), ...options });
  cleanups.push(() => store.close());
  return { store, events, logs };
}

const stateText = (mac: string, labels: Record<string, string>) =>
  encodeState({ mac, labels: Object.fromEntries(Object.entries(labels).map(([k, value]) => [k, { value, setAt: "2025-01-01T00:00:00.000Z", group: "g", endpoint: "/ignition" }])) });

const macOf = (i: number) => `52:54:00:10:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
const hyphens = (mac: string) => mac.replace(/:/g, "-");

describe("the state directory: atomic, serialised, bounded, and robust to bad files", () => {
  it("changes to one machine are serialised: racing records both land, a forget between them is ordered, and identical records write once", async () => {
    const state = dir("netboot-state-");
    const { store, events } = await openStore(state);
    const source = { group: "g", endpoint: "/ignition" };
    const results = await Promise.all([store.record(MAC, { os: "installed" }, source), store.record(MAC, { stage: "2" }, source)]);
    expect(results.map((r) => r.result)).toEqual(["remembered", "remembered"]);
    expect({ ...store.labelsOf(MAC) }).toEqual({ os: "installed", stage: "2" });
    expect(JSON.parse(readFileSync(stateFile(state), "utf8")).labels).toMatchObject({ os: { value: "installed" }, stage: { value: "2" } });

    const [, forgotten, after] = await Promise.all([store.record(MAC, { os: "reinstall" }, source), store.forget(MAC, "test"), store.record(MAC, { rack: "b" }, source)]);
    expect(forgotten.state?.labels.os?.value).toBe("reinstall");
    expect(after.result).toBe("remembered");
    expect({ ...store.labelsOf(MAC) }).toEqual({ rack: "b" });

    events.length = 0;
    const same = await Promise.all(Array.from({ length: 20 }, () => store.record(MAC, { rack: "b" }, source)));
    expect(same.every((r) => r.result === "unchanged")).toBe(true);
    expect(events).toEqual([]);
    // Nothing but the machines' files: no temporary file is left behind.
    expect(readdirSync(state)).toEqual([`${hyphens(MAC)}.json`]);
  });

  it("two requests racing to flip the same machine: one write, one transition, a consistent file", async () => {
    const state = dir("netboot-state-");
    const s = await start({ dataDir: data(), state: { path: state } });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.get(i % 2 ? `/ignition?${Q}&os=installed` : `/metadata?${Q}&os=installed`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile(state), "utf8")).labels.os.value).toBe("installed");
    expect((await s.get("/metrics")).body).toMatch(/^netboot_machine_state_changes_total\{change="remember"\} 1$/m);
    expect(s.logs.filter((l) => l.msg === "machine state: labels remembered")).toHaveLength(1);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(LOCAL_DISK_IPXE);
  });

  it("files that cannot be read are reported and their machines treated as unknown; the server starts and serves", async () => {
    const state = dir("netboot-state-");
    writeFileSync(stateFile(state), "{ nope");
    writeFileSync(stateFile(state, "52:54:00:00:00:01"), stateText("52:54:00:00:00:02", { os: "installed" }));
    mkdirSync(stateFile(state, "52:54:00:00:00:03"));
    writeFileSync(stateFile(state, "52:54:00:00:00:04"), " ".repeat(70 * 1024));
    writeFileSync(stateFile(state, "52:54:00:00:00:05"), stateText("52:54:00:00:00:05", { os: "installed" }));
    mkdirSync(path.join(state, "lost+found"));
    // A temporary file left by a crash is never read, and removed once stale.
    const temp = path.join(state, `.${hyphens("52:54:00:00:00:06")}.json.0123.tmp`);
    writeFileSync(temp, stateText("52:54:00:00:00:06", { os: "installed" }));
    utimesSync(temp, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));

    const s = await start({ dataDir: data(), state: { path: state } });
    const list = JSON.parse((await s.get("/machines")).body) as { remembered: { mac: string }[]; stateProblems: { file: string; message: string }[] };
    expect(list.remembered.map((m) => m.mac)).toEqual(["52:54:00:00:00:05"]);
    expect(list.stateProblems).toEqual([
      { file: "52-54-00-00-00-01.json", message: 'holds the state of "52:54:00:00:00:02", not of 52:54:00:00:00:01' },
      { file: "52-54-00-00-00-03.json", message: "is not a regular file" },
      { file: "52-54-00-00-00-04.json", message: "is larger than the 65536-byte limit" },
      { file: "52-54-00-aa-bb-cc.json", message: "is not valid JSON" },
    ]);
    expect(s.logs.filter((l) => l.level === 50 && String(l.msg).startsWith("machine state file "))).toHaveLength(4);
    expect(readdirSync(state)).not.toContain(path.basename(temp));
    expect((await s.get("/metrics")).body).toMatch(/^netboot_machine_state_problems 4$/m);

    // The machine with the broken file is unknown: it installs; a new flip replaces the broken file.
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
    await s.get(`/ignition?${Q}&os=installed`);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(LOCAL_DISK_IPXE);
    expect(JSON.parse((await s.get("/machines")).body).stateProblems).toHaveLength(3);

    // A file broken while the server runs: reported, and the machine is unknown again.
    writeFileSync(stateFile(state), "[]");
    await eventually(async () => ((await s.get(`/ipxe?${Q}`)).body === INSTALLER_IPXE ? true : undefined));
    expect(JSON.parse((await s.get("/machines")).body).stateProblems).toContainEqual({ file: "52-54-00-aa-bb-cc.json", message: "is not a machine state file: / must be object" });
  });

  it("a machine's labels are bounded in size: a change beyond the limit is refused, logged and counted, and the answer still served", async () => {
    // A query is at most 8 KiB, but sticky groups add up: ten labels of 6,800 bytes are more than a machine may keep.
    const big = "x".repeat(6800);
    const files: Record<string, string> = { ...FILES };
    for (let i = 0; i < 10; i++) files[`groups/big-${i}.json`] = json({ id: `big-${i}`, profile: "local-disk", sticky: true, selector: { mac: MAC, [`k${i}`]: big } });
    const state = dir("netboot-state-");
    const s = await start({ dataDir: data(files), state: { path: state } });
    for (let i = 0; i < 10; i++) {
      const answer = await s.get(`/ipxe?${Q}&k${i}=${big}`);
      expect([answer.status, answer.body]).toEqual([200, LOCAL_DISK_IPXE]);
    }
    expect(Object.keys(s.server.state!.labelsOf(MAC)!)).toEqual(["k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"]);
    expect(statSync(stateFile(state)).size).toBeLessThanOrEqual(65536);
    expect(s.logs.find((l) => l.reason === "too-large")?.msg).toMatch(/the state would take \d+ bytes, more than the 65536-byte limit of one machine/);
    expect((await s.get("/metrics")).body).toMatch(/^netboot_machine_state_changes_total\{change="refused",reason="too-large"\} 1$/m);
  });

  it("many MACs: at the cap new machines are refused (logged, counted), none is evicted; a forget makes room", async () => {
    const state = dir("netboot-state-");
    const s = await start({ dataDir: data(), state: { path: state, maxMachines: 5 } });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => s.get(`/ipxe?mac=${macOf(i)}&os=installed&fleet=a`)));
    expect(answers.every((a) => a.status === 200 && a.body === LOCAL_DISK_IPXE)).toBe(true);
    const kept = readdirSync(state).sort();
    expect(kept).toHaveLength(5);
    expect((await s.get("/metrics")).body).toMatch(/^netboot_machine_state_changes_total\{change="refused",reason="max-machines"\} 7$/m);
    expect(s.logs.filter((l) => l.reason === "max-machines")).toHaveLength(7);
    expect(s.logs.find((l) => l.reason === "max-machines")?.msg).toMatch(/5 machines are remembered already \(-state-max-machines\); nothing is evicted/);

    const rememberedMacs = (JSON.parse((await s.get("/machines")).body) as { remembered: { mac: string }[] }).remembered.map((m) => m.mac);
    const refused = macOf(Array.from({ length: 12 }, (_, i) => i).find((i) => !rememberedMacs.includes(macOf(i)))!);
    await s.get(`/ipxe?mac=${refused}&os=installed&fleet=a`);
    expect(readdirSync(state).sort()).toEqual(kept);

    // A remembered machine still changes its labels at the cap; a forget frees a place.
    await s.server.state!.forget(rememberedMacs[0]!, "test");
    await s.get(`/ipxe?mac=${refused}&os=installed&fleet=a`);
    expect(s.server.state!.labelsOf(refused)).toEqual(expect.objectContaining({ os: "installed" }));
  });

  it("restart: state written by one server is read by the next; files are replaced whole", async () => {
    const state = dir("netboot-state-");
    const first = await openStore(state);
    for (let i = 0; i < 30; i++) await first.store.record(macOf(i), { os: "installed" }, { group: "g", endpoint: "/ipxe" });
    const inode = statSync(stateFile(state, macOf(0))).ino;
    await first.store.record(macOf(0), { os: "reinstall" }, { group: "g", endpoint: "/ipxe" });
    expect(statSync(stateFile(state, macOf(0))).ino).not.toBe(inode);
    first.store.close();
    const second = await openStore(state);
    expect(second.store.size).toBe(30);
    expect({ ...second.store.labelsOf(macOf(0)) }).toEqual({ os: "reinstall" });
    expect(second.store.problems()).toEqual([]);
  });
});
