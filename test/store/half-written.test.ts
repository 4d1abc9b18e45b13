import { closeSync, openSync, renameSync, rmSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../observe/boot-replay.js";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";

/**
 * Files caught in the middle of being written, through a real listening
 * server and real files: what is served must always be a complete version.
 */

const NODE_MAC = "52:54:00:aa:bb:01";
const OTHER_MAC = "52:54:00:00:00:99";
const NODE_GROUP = `id: node1\nprofile: worker\nselector:\n  mac: "${NODE_MAC}"\n`;
// The profile comes first and the selector last: every prefix of it that parses is a catch-all group.
const NODE_GROUP_V2 = `profile: worker2\nid: node1\nmetadata:\n  hostname: node1.lab.example.internal\n  role: worker\nselector:\n  mac: "${NODE_MAC}"\n`;

const profile = (id: string, kernel: string) => json({ id, boot: { kernel, args: [`role=${id}`] } });

const FILES = {
  "groups/default.json": json({ id: "default", profile: "installer" }),
  "groups/node1.yaml": NODE_GROUP,
  "profiles/installer.json": profile("installer", "/assets/installer-wipes-disks"),
  "profiles/worker.json": profile("worker", "/assets/worker"),
  "profiles/worker2.json": profile("worker2", "/assets/worker2"),
};

interface Problem {
  file: string;
  message: string;
  servingLastGood: boolean;
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(): Promise<TestServer> {
  const s = await startTestServer({ files: FILES, assetsPath: null });
  servers.push(s);
  return s;
}

const kernelOf = (body: string) => /^kernel (\S+)/m.exec(body)?.[1] ?? `(no kernel: ${body.trim().slice(0, 60)})`;

/** Asks for both machines' scripts every few milliseconds while `during` runs; returns every kernel seen. */
async function watchAnswers(s: TestServer, during: () => Promise<void>): Promise<{ node: Set<string>; other: Set<string>; requests: number }> {
  const node = new Set<string>();
  const other = new Set<string>();
  let running = true;
  let requests = 0;
  const poller = (async () => {
    while (running) {
      const [a, b] = await Promise.all([s.get(`/ipxe?mac=${NODE_MAC}`), s.get(`/ipxe?mac=${OTHER_MAC}`)]);
      node.add(a.status === 200 ? kernelOf(a.body) : `${a.status}`);
      other.add(b.status === 200 ? kernelOf(b.body) : `${b.status}`);
      requests += 2;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    await during();
  } finally {
    running = false;
    await poller;
  }
  return { node, other, requests };
}

async function problems(s: TestServer): Promise<{ status: string; problems: Problem[] }> {
  const res = await s.get("/readyz");
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as { status: string; problems: Problem[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Truncates the file, then writes `text` into it in place, `pieceBytes` at a time, `pauseMs` before each piece. */
async function writeInPieces(file: string, text: string, pieceBytes: number, pauseMs: number): Promise<void> {
  const fd = openSync(file, "w");
  try {
    for (let at = 0; at < text.length; at += pieceBytes) {
      await sleep(pauseMs);
      writeSync(fd, text.slice(at, at + pieceBytes));
    }
  } finally {
    closeSync(fd);
  }
}

describe("a file caught while it is being written", () => {
  it("a YAML group truncated to empty keeps its last good version and is reported, never a catch-all", async () => {
    const s = await start();
    const file = path.join(s.dataDir, "groups/node1.yaml");
    const seen = await watchAnswers(s, async () => {
      writeFileSync(file, "");
      await sleep(1500);
    });
    expect(seen.requests).toBeGreaterThan(20);
    expect([...seen.node]).toEqual(["/assets/worker"]);
    expect([...seen.other]).toEqual(["/assets/installer-wipes-disks"]);
    const state = await eventually(async () => {
      const state = await problems(s);
      return state.problems.some((p) => p.file === "groups/node1.yaml") ? state : undefined;
    }, 3000);
    expect(state.status).toBe("degraded");
    expect(state.problems).toContainEqual(expect.objectContaining({ file: "groups/node1.yaml", servingLastGood: true, message: expect.stringMatching(/empty/) }));
  });

  it("a group rewritten in place in small pieces is never served half-written, and is served once complete", async () => {
    const s = await start();
    const file = path.join(s.dataDir, "groups/node1.yaml");
    const seen = await watchAnswers(s, async () => {
      // Truncate, then write the new version 12 bytes at a time, pausing longer than a change event's debounce.
      await writeInPieces(file, NODE_GROUP_V2, 12, 150);
      await eventually(async () => (kernelOf((await s.get(`/ipxe?mac=${NODE_MAC}`)).body) === "/assets/worker2" ? true : undefined), 1500);
    });
    expect([...seen.node].filter((k) => k !== "/assets/worker" && k !== "/assets/worker2")).toEqual([]);
    expect([...seen.other]).toEqual(["/assets/installer-wipes-disks"]);
    expect((await problems(s)).problems).toEqual([]);
  });

  it("a JSON group rewritten in place in small pieces is never served half-written, and is served once it parses", async () => {
    const s = await start();
    const file = path.join(s.dataDir, "groups/node1.json");
    const readiness = async () => JSON.parse((await s.get("/readyz")).body) as { generation: number; groups: number };
    const before = (await readiness()).generation;
    writeFileSync(file, JSON.stringify({ id: "node1", profile: "worker", selector: { mac: NODE_MAC } }));
    rmSync(path.join(s.dataDir, "groups/node1.yaml"));
    // Served from the JSON file alone: a reload saw the YAML one gone.
    await eventually(async () => {
      const { generation, groups } = await readiness();
      return generation > before && groups === 2 && kernelOf((await s.get(`/ipxe?mac=${NODE_MAC}`)).body) === "/assets/worker" ? true : undefined;
    }, 3000);
    // Selector last: every prefix that stopped before it would be a catch-all, were it read.
    const v2 = `{"profile": "worker2", "id": "node1", "metadata": {"role": "worker"}, "selector": {"mac": "${NODE_MAC}"}}`;
    const seen = await watchAnswers(s, async () => {
      await writeInPieces(file, v2, 9, 60);
      await eventually(async () => (kernelOf((await s.get(`/ipxe?mac=${NODE_MAC}`)).body) === "/assets/worker2" ? true : undefined), 1000);
    });
    expect(seen.requests).toBeGreaterThan(20);
    expect([...seen.other]).toEqual(["/assets/installer-wipes-disks"]);
    expect([...seen.node].filter((k) => k !== "/assets/worker" && k !== "/assets/worker2")).toEqual([]);
    expect((await problems(s)).problems).toEqual([]);
  });

  it("a brand-new group file that is empty, only comments, or not a document is a problem and never a group", async () => {
    const s = await start();
    writeFileSync(path.join(s.dataDir, "groups/a-new.yaml"), "");
    writeFileSync(path.join(s.dataDir, "groups/b-comments.yml"), "# node2: to be filled in\n\n");
    writeFileSync(path.join(s.dataDir, "groups/c-new.json"), "");
    writeFileSync(path.join(s.dataDir, "groups/d-broken.yaml"), "id: [unclosed\n");
    const expected = ["groups/a-new.yaml", "groups/b-comments.yml", "groups/c-new.json", "groups/d-broken.yaml"];
    const state = await eventually(async () => {
      const state = await problems(s);
      return expected.every((f) => state.problems.some((p) => p.file === f)) ? state : undefined;
    }, 3000);
    for (const p of state.problems) expect(p.servingLastGood).toBe(false);
    expect(kernelOf((await s.get(`/ipxe?mac=${OTHER_MAC}`)).body)).toBe("/assets/installer-wipes-disks");
    expect(kernelOf((await s.get(`/ipxe?mac=${NODE_MAC}`)).body)).toBe("/assets/worker");
    expect(JSON.parse((await s.get("/readyz")).body)).toMatchObject({ groups: 2 });
  });

  it("serves a file replaced by an atomic rename within a second", async () => {
    const s = await start();
    const started = Date.now();
    writeFileSync(path.join(s.dataDir, "groups/.node1.yaml.tmp"), NODE_GROUP_V2);
    renameSync(path.join(s.dataDir, "groups/.node1.yaml.tmp"), path.join(s.dataDir, "groups/node1.yaml"));
    await eventually(async () => (kernelOf((await s.get(`/ipxe?mac=${NODE_MAC}`)).body) === "/assets/worker2" ? true : undefined), 1000);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("serves a file whose modification time is in the future (another clock) once two looks saw it unchanged", async () => {
    const s = await start();
    const file = path.join(s.dataDir, "groups/node1.yaml");
    writeFileSync(file, NODE_GROUP_V2);
    const tomorrow = new Date(Date.now() + 86_400_000);
    utimesSync(file, tomorrow, tomorrow);
    await eventually(async () => (kernelOf((await s.get(`/ipxe?mac=${NODE_MAC}`)).body) === "/assets/worker2" ? true : undefined), 1500);
  });
});
