import { execFileSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { STORE_LIMITS } from "../../server/store/limits.js";
import { eventually } from "../observe/boot-replay.js";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";

/**
 * Every file that fails to load or parse is in the one problem list (log,
 * /readyz, metrics), and a template or Ignition file that breaks keeps its
 * last good version in service.
 */

const MAC = "52:54:00:aa:bb:01";
const IGNITION = json({ ignition: { version: "3.4.0" }, storage: { files: [{ path: "/etc/motd", contents: { source: "data:,hello" } }] } });
const BUTANE = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n      contents:\n        inline: {{.hostname}}\n";

const FILES = {
  "groups/node.json": json({ id: "node", profile: "worker", selector: { mac: MAC }, metadata: { hostname: "node1" } }),
  "groups/butane.json": json({ id: "butane", profile: "butane", selector: { os: "butane" }, metadata: { hostname: "node2" } }),
  "groups/new.json": json({ id: "new", profile: "new", selector: { os: "new" } }),
  "profiles/worker.json": json({ id: "worker", ignition_id: "worker.ign", generic_id: "env.tmpl", cloud_id: "cloud.yaml", boot: { kernel: "/k" } }),
  "profiles/butane.json": json({ id: "butane", ignition_id: "node.bu" }),
  "profiles/new.json": json({ id: "new", ignition_id: "A.ign" }),
  "ignition/worker.ign": IGNITION,
  "ignition/node.bu": BUTANE,
  "generic/env.tmpl": "HOSTNAME={{.hostname}}\n",
  "cloud/cloud.yaml": "#cloud-config\nhostname: {{.hostname}}\n",
};

interface Problem {
  file: string;
  message: string;
  severity: string;
  servingLastGood: boolean;
}

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function start(files: Record<string, string> = FILES): Promise<TestServer> {
  const s = await startTestServer({ files, assetsPath: null });
  servers.push(s);
  return s;
}

async function readyProblems(s: TestServer): Promise<Problem[]> {
  return (JSON.parse((await s.get("/readyz")).body) as { problems: Problem[] }).problems;
}

async function problemsMetric(s: TestServer): Promise<number> {
  const text = (await s.get("/metrics")).body;
  return Number(/^netboot_config_problems (\S+)$/m.exec(text)?.[1]);
}

/** Waits (through the watcher, as in service) until `files` are all reported. */
async function reported(s: TestServer, files: string[]): Promise<Problem[]> {
  return eventually(async () => {
    const problems = await readyProblems(s);
    return files.every((f) => problems.some((p) => p.file === f)) ? problems : undefined;
  }, 3000);
}

describe("problems of template and Ignition files", () => {
  it("reports a raw Ignition file that does not parse: /readyz, metric and log, and /ignition still answers 500", async () => {
    const s = await start({ ...FILES, "ignition/A.ign": "{ not json" });
    const res = await s.get("/ignition?os=new");
    expect(res.status).toBe(500);
    const problems = await readyProblems(s);
    expect(problems).toEqual([expect.objectContaining({ file: "ignition/A.ign", severity: "error", servingLastGood: false })]);
    expect(await problemsMetric(s)).toBe(1);
    expect(s.logs.some((l) => l.level === 50 && l.file === "ignition/A.ign")).toBe(true);
  });

  it("keeps serving the last good version of a raw Ignition, Butane, generic and cloud template that breaks", async () => {
    const s = await start();
    const before = {
      ignition: await s.get(`/ignition?mac=${MAC}`),
      butane: await s.get("/ignition?os=butane"),
      generic: await s.get(`/generic?mac=${MAC}`),
      cloud: await s.get(`/cloud?mac=${MAC}`),
    };
    for (const res of Object.values(before)) expect(res.status).toBe(200);

    writeFileSync(path.join(s.dataDir, "ignition/worker.ign"), IGNITION.slice(0, 30));
    writeFileSync(path.join(s.dataDir, "ignition/node.bu"), BUTANE.replace("{{.hostname}}", "{{.hostname"));
    writeFileSync(path.join(s.dataDir, "generic/env.tmpl"), "HOSTNAME={{if .hostname}}\n");
    writeFileSync(path.join(s.dataDir, "cloud/cloud.yaml"), "#cloud-config\nhostname: {{nosuchfunction .hostname}}\n");
    const broken = ["ignition/worker.ign", "ignition/node.bu", "generic/env.tmpl", "cloud/cloud.yaml"];
    const problems = await reported(s, broken);
    for (const file of broken) expect(problems).toContainEqual(expect.objectContaining({ file, severity: "error", servingLastGood: true }));
    expect(await problemsMetric(s)).toBe(broken.length);

    const after = {
      ignition: await s.get(`/ignition?mac=${MAC}`),
      butane: await s.get("/ignition?os=butane"),
      generic: await s.get(`/generic?mac=${MAC}`),
      cloud: await s.get(`/cloud?mac=${MAC}`),
    };
    for (const key of Object.keys(before) as (keyof typeof before)[]) {
      expect([key, after[key].status, after[key].body]).toEqual([key, 200, before[key].body]);
    }

    // Fixed: the new version is served and the problems clear.
    writeFileSync(path.join(s.dataDir, "generic/env.tmpl"), "NAME={{.hostname}}\n");
    await eventually(async () => ((await s.get(`/generic?mac=${MAC}`)).body === "NAME=node1\n" ? true : undefined), 3000);
    expect((await readyProblems(s)).map((p) => p.file)).not.toContain("generic/env.tmpl");
  });
});

describe("files that cannot be loaded at all", () => {
  it("reports a FIFO, a socket, a folder named like a document, a symbolic link loop and a file over the size limit, without blocking", async () => {
    const s = await start();
    const groups = path.join(s.dataDir, "groups");
    execFileSync("mkfifo", [path.join(groups, "fifo.json")]);
    const socket = net.createServer();
    await new Promise<void>((resolve) => socket.listen(path.join(groups, "socket.json"), resolve));
    onTestFinished(() => void socket.close());
    mkdirSync(path.join(groups, "folder.json"));
    symlinkSync("loop.yaml", path.join(groups, "loop.yaml"));
    writeFileSync(path.join(groups, "huge.json"), Buffer.alloc(STORE_LIMITS.maxDocumentBytes + 1, 0x20));
    const files = ["groups/fifo.json", "groups/socket.json", "groups/folder.json", "groups/loop.yaml", "groups/huge.json"];
    const problems = await reported(s, files);
    expect(problems.find((p) => p.file === "groups/fifo.json")!.message).toMatch(/FIFO/);
    expect(problems.find((p) => p.file === "groups/socket.json")!.message).toMatch(/socket/);
    expect(problems.find((p) => p.file === "groups/folder.json")!.message).toMatch(/folder/);
    expect(problems.find((p) => p.file === "groups/loop.yaml")!.message).toMatch(/ELOOP/);
    expect(problems.find((p) => p.file === "groups/huge.json")!.message).toMatch(/larger than/);
    expect(await problemsMetric(s)).toBe(files.length);
    // The rest is served as before.
    expect((await s.get(`/generic?mac=${MAC}`)).body).toBe("HOSTNAME=node1\n");
    expect(JSON.parse((await s.get("/readyz")).body)).toMatchObject({ groups: 3, status: "degraded" });
  });

  it("reports a template path that is a folder, and a profile path that is a FIFO", async () => {
    const s = await start({
      ...FILES,
      "groups/odd.json": json({ id: "odd", profile: "odd", selector: { os: "odd" } }),
      "profiles/odd.json": json({ id: "odd", generic_id: "folder" }),
      "generic/folder/inside": "x",
    });
    execFileSync("mkfifo", [path.join(s.dataDir, "profiles/pipe.json")]);
    await s.server.store.reload("test");
    const problems = await readyProblems(s);
    expect(problems).toContainEqual(expect.objectContaining({ file: "generic/folder", message: expect.stringMatching(/folder/) }));
    expect(problems).toContainEqual(expect.objectContaining({ file: "profiles/pipe.json", message: expect.stringMatching(/FIFO/) }));
    expect((await s.get("/generic?os=odd")).status).toBe(404);
  });
});
