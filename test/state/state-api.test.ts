import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { explainCommand } from "../../server/cli/explain.js";
import { machinesCommand } from "../../server/cli/machines.js";
import type { Explanation } from "../../server/validate/explain.js";
import { eventually } from "../observe/boot-replay.js";
import { makeDataDir, removeDir } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { runCommand } from "../validate/run-command.js";
import { FILES, INSTALLER_IPXE, LOCAL_DISK_IPXE, MAC, Q, stateFile, tempDir, TOKEN, tokenFile } from "./fixtures.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: Omit<Parameters<typeof startTestServer>[0], "dataDir"> & { state?: { path: string } } = {}): Promise<TestServer> {
  const data = makeDataDir(FILES);
  cleanups.push(() => removeDir(data));
  const s = await startTestServer({ dataDir: data, ...options });
  cleanups.push(() => s.close());
  return s;
}

/** A fresh folder, removed after the test. */
function dir(prefix: string): string {
  const d = tempDir(prefix);
  cleanups.push(() => removeDir(d));
  return d;
}

const stateDir = () => dir("netboot-state-");

const del = (s: TestServer, target: string, headers: Record<string, string> = {}) => s.get(target, { method: "DELETE", headers });
const body = (text: string) => JSON.parse(text) as Record<string, unknown>;

describe("the write API: DELETE /machines/<mac>/state", () => {
  it("is off without a token file, and says how to turn it on", async () => {
    const s = await start({ state: { path: stateDir() } });
    await s.get(`/ignition?${Q}&os=installed`);
    const off = await del(s, `/machines/${MAC}/state`, { authorization: `Bearer ${TOKEN}` });
    expect([off.status, body(off.body).error]).toEqual([403, "the write API is off: start netboot with -api-token-file FILE (a file holding a bearer token)"]);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(LOCAL_DISK_IPXE);
  });

  it("refuses a missing, malformed or wrong token (401), never logs the token, and accepts the right one", async () => {
    const state = stateDir();
    const s = await start({ state: { path: state }, apiTokenFile: tokenFile(dir("netboot-token-")) });
    await s.get(`/ignition?${Q}&os=installed`);
    const target = `/machines/${MAC.replace(/:/g, "-")}/state`;
    for (const headers of [{} as Record<string, string>, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }, { authorization: "Bearer " }, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: "Bearer x" }]) {
      const refused = await del(s, target, headers);
      expect(refused.status, JSON.stringify(headers)).toBe(401);
      expect(refused.headers["www-authenticate"]).toMatch(/^Bearer realm="netboot"/);
    }
    expect(existsSync(stateFile(state))).toBe(true);
    expect((await del(s, "/machines/not-a-mac/state", { authorization: `Bearer ${TOKEN}` })).status).toBe(400);
    const ok = await del(s, target, { authorization: `bearer   ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(existsSync(stateFile(state))).toBe(false);
    expect(JSON.stringify(s.logs)).not.toContain(TOKEN.slice(4));
    expect(s.logs.filter((l) => l.msg === "write API: wrong bearer token").length).toBeGreaterThan(0);
    expect(s.logs.find((l) => l.msg === "machine state forgotten")).toMatchObject({ mac: MAC, labels: { os: "installed" } });
  });

  it("reads the token file for each request (a rotated Secret applies at once); without state it says state is off", async () => {
    const file = tokenFile(dir("netboot-token-"));
    const s = await start({ apiTokenFile: file });
    const noState = await del(s, `/machines/${MAC}/state`, { authorization: `Bearer ${TOKEN}` });
    expect([noState.status, body(noState.body).error]).toEqual([404, "no machine state is kept: start netboot with -state-path DIR"]);
    writeFileSync(file, "rotated-token-0123456789\n");
    expect((await del(s, `/machines/${MAC}/state`, { authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    expect((await del(s, `/machines/${MAC}/state`, { authorization: "Bearer rotated-token-0123456789" })).status).toBe(404);
  });

  it("is served where the views are: on a separate listener the main one answers Matchbox's 404", async () => {
    const state = stateDir();
    const s = await start({ state: { path: state }, apiTokenFile: tokenFile(dir("netboot-token-")), debugViews: { host: "127.0.0.1", port: 0 } });
    await s.get(`/ignition?${Q}&os=installed`);
    const main = await del(s, `/machines/${MAC}/state`, { authorization: `Bearer ${TOKEN}` });
    expect([main.status, main.body]).toEqual([404, "404 page not found\n"]);
    const debug = await fetch(`${s.server.debugUrl}/machines/${MAC}/state`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } });
    expect(debug.status).toBe(200);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
  });
});

describe("operating machine state from the command line and the views", () => {
  it("/machines and netboot machines show what each machine remembers, and when and by which group it was set", async () => {
    const s = await start({ state: { path: stateDir() } });
    await s.get(`/ignition?${Q}&os=installed`);
    await s.get(`/ipxe?${Q}`);
    const list = body((await s.get("/machines")).body) as { remembered: { mac: string; labels: Record<string, { value: string; group: string; endpoint: string }> }[] };
    expect(list.remembered).toEqual([{ mac: MAC, labels: { os: { value: "installed", setAt: expect.any(String), group: "node1-installed", endpoint: "/ignition" } } }]);
    const one = body((await s.get(`/machines/${MAC}`)).body);
    expect(one).toMatchObject({ id: MAC, profile: "local-disk", remembered: { mac: MAC } });
    expect(body((await s.get(`/machines/${MAC}/state`)).body)).toEqual(list.remembered[0]);

    const table = await runCommand(machinesCommand, ["--server", s.url]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/remembered labels \(sticky groups\):\nMACHINE\s+LABEL\s+SET AT\s+GROUP\s+VIA\n52:54:00:aa:bb:cc\s+os=installed\s+\S+\s+node1-installed\s+\/ignition\n/);
    const timeline = await runCommand(machinesCommand, ["--server", s.url, MAC]);
    expect(timeline.stdout).toMatch(/^machine 52:54:00:aa:bb:cc: group node1-installed, profile local-disk\nremembers \(sticky groups\):\n {2}os="installed" \(set \S+ by group node1-installed via \/ignition\)\n/);
  });

  it("netboot machines forget: offline in the state directory (a running server notices), or through the API with the token", async () => {
    const state = stateDir();
    const token = tokenFile(dir("netboot-token-"));
    const s = await start({ state: { path: state }, apiTokenFile: token });
    await s.get(`/ignition?${Q}&os=installed`);
    const offlineList = await runCommand(machinesCommand, ["-state-path", state]);
    expect(offlineList.stdout).toMatch(/^MACHINE\s+LABEL.*\n52:54:00:aa:bb:cc\s+os=installed\s/);

    const offline = await runCommand(machinesCommand, ["forget", "52-54-00-AA-BB-CC", "-state-path", state]);
    expect([offline.code, offline.stdout]).toEqual([0, expect.stringMatching(/^forgot 52:54:00:aa:bb:cc:\n {2}os="installed" \(set /)]);
    await eventually(async () => ((await s.get(`/ipxe?${Q}`)).body === INSTALLER_IPXE ? true : undefined));
    expect((await runCommand(machinesCommand, ["forget", MAC, "-state-path", state])).code).toBe(1);

    await s.get(`/ignition?${Q}&os=installed`);
    const noToken = await runCommand(machinesCommand, ["forget", MAC, "--server", s.url]);
    expect([noToken.code, noToken.stderr]).toEqual([2, expect.stringContaining("needs --api-token-file FILE")]);
    const wrong = tokenFile(dir("netboot-token-"), "another-token-0123456789");
    const refused = await runCommand(machinesCommand, ["forget", MAC, "--server", s.url, "--api-token-file", wrong]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("answered 401: wrong bearer token")]);
    const api = await runCommand(machinesCommand, ["forget", MAC, "--server", s.url, "--api-token-file", token]);
    expect([api.code, api.stdout]).toEqual([0, expect.stringMatching(/^forgot 52:54:00:aa:bb:cc:\n {2}os="installed"/)]);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
    expect(readFileSync(token, "utf8")).toContain(TOKEN);
  });

  it("explain shows the remembered labels' effect on the match, from a server and offline from the state directory", async () => {
    const state = stateDir();
    const s = await start({ state: { path: state } });
    const before = body((await s.get(`/explain?${Q}&os=installed`)).body) as unknown as Explanation;
    expect(before.remembered).toBeNull();
    expect(before.remembers).toEqual({ os: "installed" });
    await s.get(`/ignition?${Q}&os=installed`);

    const e = body((await s.get(`/explain?${Q}`)).body) as unknown as Explanation;
    expect(e.labels).toEqual({ mac: MAC });
    expect(e.remembered).toEqual({ mac: MAC, labels: { os: expect.objectContaining({ value: "installed", group: "node1-installed" }) }, overridden: [] });
    expect(e.winner?.id).toBe("node1-installed");
    expect(e.withoutRemembered).toEqual({ winner: { id: "node1-install", file: "groups/node1-install.yaml" } });
    expect(e.remembers).toBeNull();
    expect(e.candidates.find((c) => c.id === "node1-installed")!.checks.find((k) => k.key === "os")).toEqual({ key: "os", want: "installed", label: "installed", matched: true, remembered: true });
    expect(e.endpoints.find((r) => r.endpoint === "/ipxe")!.body).toBe(LOCAL_DISK_IPXE);
    // Explaining changes nothing.
    expect(body((await s.get(`/explain?${Q}&os=live`)).body).remembered).toMatchObject({ overridden: ["os"] });
    expect(s.server.state!.labelsOf(MAC)).toEqual(expect.objectContaining({ os: "installed" }));

    const offline = await runCommand(explainCommand, ["--mac", MAC, "-data-path", s.dataDir, "-state-path", state]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain(`remembered by ${MAC} (sticky groups):\n  os="installed" (set `);
    expect(offline.stdout).toMatch(/→\s+\d+\s+node1-installed\s+groups\/node1-installed\.yaml\s+mac="52:54:00:aa:bb:cc" ✓, os="installed" ✓ \(remembered\)/);
    expect(offline.stdout).toContain("without the remembered labels: node1-install (groups/node1-install.yaml) would win");
    const plain = await runCommand(explainCommand, ["--mac", MAC, "-data-path", s.dataDir]);
    expect(plain.stdout).toMatch(/winner: node1-install \(groups\/node1-install\.yaml\)/);
  });
});
