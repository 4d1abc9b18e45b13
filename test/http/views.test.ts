import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { explainCommand } from "../../server/cli/explain.js";
import { machinesCommand } from "../../server/cli/machines.js";
import type { Explanation } from "../../server/validate/explain.js";
import { json, removeDir, writeFiles } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { eventually } from "../observe/boot-replay.js";
import { runCommand } from "../validate/run-command.js";

const MAC = "52:54:00:a1:9c:ae";
const SECRET = "other-groups-secret-value";

const FILES = {
  "groups/node1.json": json({ id: "node1", profile: "worker", selector: { mac: MAC, os: "installed" }, metadata: { hostname: "node1.lab", pool: 1000000 } }),
  "groups/node1-install.json": json({ id: "node1-install", profile: "installer", selector: { mac: MAC } }),
  "groups/other.json": json({ id: "other", profile: "worker", selector: { mac: "52:54:00:00:00:02" }, metadata: { hostname: "x", token: SECRET } }),
  "groups/rack.json": json({ id: "rack-a", profile: "worker", selector: { rack: "a", os: "installed" }, metadata: { token: SECRET } }),
  "groups/default.json": json({ id: "default", profile: "installer" }),
  "profiles/worker.json": json({ id: "worker", ignition_id: "worker.ign", generic_id: "env.tmpl", boot: { kernel: "/assets/k", initrd: ["/assets/i"], args: ["console=ttyS0"] } }),
  "profiles/installer.json": json({ id: "installer", generic_id: "env.tmpl" }),
  "ignition/worker.ign": json({ ignition: { version: "3.4.0" } }),
  "generic/env.tmpl": "HOSTNAME={{.hostname}}\nPOOL={{.pool}}\n",
};

describe("read-only views on the main listener", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ files: FILES });
  });
  afterAll(async () => s.close());

  it("/healthz answers while the process runs; /readyz shows the snapshot and rejected files without failing", async () => {
    const health = await s.get("/healthz");
    expect([health.status, health.body]).toEqual([200, "ok\n"]);
    writeFiles(s.dataDir, { "profiles/broken.json": "{ nope" });
    // V8 quotes a piece of a document it cannot parse: /readyz must not repeat it.
    writeFiles(s.dataDir, { "groups/secret.json": `tok-${SECRET}` });
    await s.server.store.reload("test");
    const ready = await s.get("/readyz");
    expect(ready.status).toBe(200);
    const detail = JSON.parse(ready.body) as { ready: boolean; groups: number; profiles: number; problems: { file: string; severity: string }[] };
    expect(detail).toMatchObject({ ready: true, groups: 5, profiles: 2 });
    expect(detail.problems).toEqual([
      expect.objectContaining({ file: "groups/secret.json", severity: "error" }),
      expect.objectContaining({ file: "profiles/broken.json", severity: "error" }),
    ]);
    expect(ready.body).not.toContain("tok-other");
    expect(ready.body).toContain("invalid JSON at line 1, column 2");
    removeDir(`${s.dataDir}/groups/secret.json`);
    await eventually(async () => ((await s.server.store.reload("test")).problems.some((p) => p.file === "groups/secret.json") ? undefined : true));
  });

  it("/explain lists candidates in precedence order with each selector key's verdict, the winner, and the real endpoint answers", async () => {
    const res = await s.get(`/explain?mac=52-54-00-A1-9C-AE&os=installed&mac=ignored`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    const e = JSON.parse(res.body) as Explanation;
    expect(e.labels).toEqual({ mac: MAC, os: "installed" });
    expect(e.candidates.map((c) => [c.rank, c.file, c.matches, c.winner])).toEqual([
      [1, "groups/rack.json", false, false],
      [2, "groups/node1.json", true, true],
      [3, "groups/node1-install.json", true, false],
      [5, "groups/default.json", true, false],
    ]);
    expect(e.omittedCandidates).toBe(1); // groups/other.json shares no label value
    expect(e.candidates[0]!.checks).toEqual([
      { key: "os", want: "installed", label: "installed", matched: true },
      { key: "rack", want: "a", label: null, matched: false },
    ]);
    expect(e.winner).toEqual({ id: "node1", name: "", file: "groups/node1.json", profile: "worker" });
    expect(e.profile).toMatchObject({ id: "worker", file: "profiles/worker.json", ignitionId: "worker.ign" });
    const query = "mac=52-54-00-A1-9C-AE&os=installed&mac=ignored";
    for (const endpoint of ["/ipxe", "/grub", "/ignition", "/generic", "/metadata"]) {
      const direct = await s.get(`${endpoint}?${query}`);
      const explained = e.endpoints.find((r) => r.endpoint === endpoint)!;
      expect([explained.status, explained.body, explained.contentType]).toEqual([direct.status, direct.body, direct.headers["content-type"]]);
    }
    expect(e.endpoints.find((r) => r.endpoint === "/generic")!.body).toBe("HOSTNAME=node1.lab\nPOOL=1e+06\n");
    // Other groups' metadata never shows.
    expect(res.body).not.toContain(SECRET);
  });

  it("/explain says why an endpoint has no answer", async () => {
    const e = JSON.parse((await s.get(`/explain?mac=52:54:00:ff:ff:ff`)).body) as Explanation;
    expect(e.winner?.file).toBe("groups/default.json");
    const byEndpoint = Object.fromEntries(e.endpoints.map((r) => [r.endpoint, r]));
    expect(byEndpoint["/ipxe"]).toMatchObject({ status: 404, reason: "profile profiles/installer.json has no boot section" });
    expect(byEndpoint["/ignition"]).toMatchObject({ status: 404, reason: "profile profiles/installer.json names no ignition template" });
    expect(byEndpoint["/generic"]).toMatchObject({ status: 500 });
    expect(byEndpoint["/generic"]!.reason).toMatch(/map has no entry for key "hostname"/);

    const changeDefault = async (content: string, isLoaded: (selector: Record<string, string>) => boolean) => {
      writeFiles(s.dataDir, { "groups/default.json": content });
      // A reload the watcher already started may predate the write: wait for one that does not.
      await eventually(async () => {
        const g = (await s.server.store.reload("test")).groups.find((group) => group.file === "groups/default.json");
        return g && isLoaded(g.selector) ? true : undefined;
      });
    };
    await changeDefault(json({ id: "default", profile: "ghost", selector: { os: "none" } }), (selector) => selector.os === "none");
    const none = JSON.parse((await s.get(`/explain?mac=52:54:00:ff:ff:ff`)).body) as Explanation;
    expect(none.winner).toBeNull();
    expect(none.endpoints.every((r) => r.status === 404 && r.reason === "no group matches these labels")).toBe(true);
    const ghost = JSON.parse((await s.get(`/explain?os=none`)).body) as Explanation;
    expect(ghost.endpoints.find((r) => r.endpoint === "/ipxe")!.reason).toBe('profile "ghost" named by groups/default.json does not exist or is invalid');
    await changeDefault(FILES["groups/default.json"], (selector) => Object.keys(selector).length === 0);
  });

  it("explaining records nothing in the boot timeline", async () => {
    await s.get(`/explain?mac=52:54:00:0e:0e:0e`);
    expect((await s.get("/machines/52:54:00:0e:0e:0e")).status).toBe(404);
    const machines = JSON.parse((await s.get("/machines")).body).machines as { id: string }[];
    expect(machines.map((m) => m.id)).not.toContain("52:54:00:0e:0e:0e");
  });

  it("netboot explain prints a readable table, from a server or from a data directory", async () => {
    const remote = await runCommand(explainCommand, ["--server", s.url, "--mac", "52-54-00-a1-9c-ae", "os=installed"]);
    expect(remote.code).toBe(0);
    expect(remote.stdout).toContain(`labels: mac="${MAC}" os="installed"`);
    expect(remote.stdout).toMatch(/→\s+2\s+node1\s+groups\/node1\.json\s+mac="52:54:00:a1:9c:ae" ✓, os="installed" ✓/);
    expect(remote.stdout).toMatch(/-\s+1\s+rack-a\s+groups\/rack\.json\s+os="installed" ✓, rack="a" ✗ \(label missing, compared as ""\)/);
    expect(remote.stdout).toContain("winner: node1 (groups/node1.json)");
    expect(remote.stdout).toContain("/ipxe: 200 text/plain; charset=utf-8\n    #!ipxe\n    kernel /assets/k console=ttyS0\n    initrd /assets/i\n    boot\n");
    const local = await runCommand(explainCommand, ["os=installed", "-data-path", s.dataDir, "--mac", "52-54-00-a1-9c-ae"]);
    expect(local.stdout).toBe(remote.stdout);
    const json = await runCommand(explainCommand, ["--server", s.url, "--json"]);
    expect((JSON.parse(json.stdout) as Explanation).winner?.file).toBe("groups/default.json");
    expect((await runCommand(explainCommand, ["--mac", MAC])).code).toBe(2);
  });

  it("netboot machines lists machines and prints one machine's timeline", async () => {
    await s.get("/boot.ipxe");
    await s.get(`/ipxe?mac=${MAC}&os=installed`);
    await s.get(`/metadata?mac=${MAC}&os=installed`);
    const list = await runCommand(machinesCommand, ["--server", s.url]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n")[0]).toMatch(/^MACHINE\s+LAST SEEN\s+LAST STAGE\s+STATUS\s+GROUP\s+PROFILE\s+ADDRESS$/);
    expect(list.stdout).toMatch(new RegExp(`^${MAC}\\s+\\S+\\s+metadata\\s+200\\s+node1\\s+worker\\s+127\\.0\\.0\\.1$`, "m"));
    const one = await runCommand(machinesCommand, ["--server", s.url, "52-54-00-A1-9C-AE"]);
    expect(one.stdout).toMatch(/boot-script\s+200\s+132 B\s+\S+\s+yes\s+address\s+\/boot\.ipxe/);
    expect(one.stdout).toMatch(/ipxe\s+200\s+\d+ B\s+\S+\s+yes\s+labels\s+\/ipxe\?mac=/);
    const unknown = await runCommand(machinesCommand, ["--server", s.url, "52:54:00:00:00:00"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no boot recorded for 52:54:00:00:00:00");
  });
});

describe("query values in the boot timeline", () => {
  const secretRequest = `/ipxe?mac=${MAC}&os=installed&arch=x86_64&token=hunter2-secret&hostname=node1.lab`;

  it("shows the identifying values (mac, uuid, arch, os) and *** for the others, by default", async () => {
    const s = await startTestServer({ files: FILES });
    try {
      expect((await s.get(secretRequest)).status).toBe(200);
      const machine = JSON.parse((await s.get(`/machines/${MAC}`)).body) as { labels: Record<string, string>; timeline: { url: string }[] };
      expect(machine.timeline.map((e) => e.url)).toEqual([`/ipxe?mac=${MAC}&os=installed&arch=x86_64&token=***&hostname=***`]);
      expect(machine.labels).toEqual({ mac: MAC, os: "installed", arch: "x86_64", token: "***", hostname: "***" });
      const everything = (await s.get("/machines")).body + (await s.get(`/machines?mac=${MAC}`)).body + (await s.get("/metrics")).body;
      expect(everything).not.toContain("hunter2");
    } finally {
      await s.close();
    }
  });

  it("shows every value with -record-query-values", async () => {
    const s = await startTestServer({ files: FILES, recordQueryValues: true });
    try {
      await s.get(secretRequest);
      const machine = JSON.parse((await s.get(`/machines/${MAC}`)).body) as { labels: Record<string, string>; timeline: { url: string }[] };
      expect(machine.timeline[0]!.url).toBe(secretRequest);
      expect(machine.labels.token).toBe("hunter2-secret");
    } finally {
      await s.close();
    }
  });
});

describe("read-only views on a separate listener (-debug-address)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ files: FILES, debugViews: { host: "127.0.0.1", port: 0 } });
  });
  afterAll(async () => s.close());

  it("serves the views only there, and keeps machines and probes on the main listener", async () => {
    const debugUrl = s.server.debugUrl!;
    expect(debugUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(debugUrl).not.toBe(s.url);
    for (const view of ["/explain?mac=52:54:00:a1:9c:ae", "/machines", "/metrics", "/machines/52:54:00:a1:9c:ae"]) {
      expect((await s.get(view)).status, view).toBe(404);
    }
    expect((await s.get("/healthz")).status).toBe(200);
    expect((await s.get("/readyz")).status).toBe(200);
    await s.get(`/ipxe?mac=${MAC}&os=installed`);
    const debug = (path: string) => fetch(debugUrl + path);
    expect((await debug("/metrics")).status).toBe(200);
    expect(await (await debug("/metrics")).text()).toContain('netboot_http_requests_total{route="/ipxe",method="GET",status="200"} 1');
    expect(((await (await debug(`/machines/${MAC}`)).json()) as { timeline: unknown[] }).timeline).toHaveLength(1);
    expect(((await (await debug("/explain?mac=52:54:00:a1:9c:ae&os=installed")).json()) as Explanation).winner?.id).toBe("node1");
    expect((await debug("/ipxe")).status).toBe(404);
  });
});

describe("read-only views turned off (-debug-address off)", () => {
  it("answers 404 for every view but still probes", async () => {
    const s = await startTestServer({ files: FILES, debugViews: "off" });
    try {
      for (const view of ["/explain", "/machines", "/metrics", `/machines/${MAC}`]) expect((await s.get(view)).status, view).toBe(404);
      expect(s.server.debugUrl).toBeUndefined();
      expect((await s.get("/healthz")).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
