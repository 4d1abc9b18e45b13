import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { makeDataDir, removeDir } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { FILES, INSTALLER_IPXE, LOCAL_DISK_IPXE, LOCAL_DISK_SCRIPT, MAC, Q, stateFile, tempDir, TOKEN, tokenFile } from "./fixtures.js";

const servers: TestServer[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) removeDir(d);
});

async function start(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer(options);
  servers.push(s);
  return s;
}

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

function dataDir(files: Record<string, string> = FILES): string {
  const d = makeDataDir(files);
  dirs.push(d);
  return d;
}

const requestLines = (s: TestServer) => s.logs.filter((l) => l.msg === "request" || String(l.msg).startsWith("request ("));

describe("sticky groups over HTTP: install once, then boot the installed system", () => {
  it("install → the installer's /ignition?…&os=installed flips the machine → its next network boot gets the disk → a restart keeps it → forget → install again", async () => {
    const data = dataDir();
    const state = dir("netboot-state-");
    const token = tokenFile(dir("netboot-token-"));
    let s = await start({ dataDir: data, state: { path: state }, apiTokenFile: token });

    expect((await s.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
    expect(existsSync(stateFile(state))).toBe(false);

    // The installer fetches the installed system's Ignition config: the sticky group matches, and the machine remembers os=installed.
    const ignition = await s.get(`/ignition?${Q}&os=installed`);
    expect(ignition.status).toBe(200);
    const saved = JSON.parse(readFileSync(stateFile(state), "utf8"));
    expect(saved).toEqual({
      version: 1,
      mac: MAC,
      labels: { os: { value: "installed", setAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), group: "node1-installed", endpoint: "/ignition" } },
    });

    // The next boot from firmware sends only the MAC (and what iPXE's bootstrap adds).
    const firmware = "uuid=&mac=52-54-00-aa-bb-cc&domain=&hostname=&serial=&arch=x86_64";
    const next = await s.get(`/ipxe?${firmware}`);
    expect([next.status, next.headers["content-type"], next.body]).toEqual([200, "text/plain; charset=utf-8", LOCAL_DISK_IPXE]);
    // The profile's kernel is the script that leaves network boot: exactly the repository's.
    const script = await s.get("/assets/local-disk.ipxe");
    expect(script.body).toBe(LOCAL_DISK_SCRIPT);
    expect(script.body).toBe(
      "#!ipxe\n" +
        "# Leave network boot: the firmware boots the next device in its boot order\n" +
        "# (the disk an OS was installed to). A profile uses it as its kernel:\n" +
        "#   boot: { kernel: /assets/local-disk.ipxe }\n" +
        "echo netboot: leaving network boot for the next boot device\n" +
        "iseq ${platform} pcbios && goto bios ||\n" +
        "# UEFI: exit with an error status. On success (plain `exit`) EDK2-based\n" +
        "# firmware such as OVMF stops at its boot menu instead of trying the next option.\n" +
        "exit 1\n" +
        ":bios\n" +
        "sanboot --no-describe --drive 0x80\n",
    );

    // The request log says which labels came from the machine's memory, and which request set them.
    const lines = requestLines(s);
    expect(lines.find((l) => String(l.url).startsWith("/ignition"))).toMatchObject({ group: "node1-installed", remembers: { os: "installed" } });
    expect(lines.find((l) => l.url === `/ipxe?${firmware}`)).toMatchObject({ group: "node1-installed", profile: "local-disk", remembered: { os: "installed" } });
    expect(lines.find((l) => l.url === `/ipxe?${firmware}`)).not.toHaveProperty("remembers");

    // A restart reads the state directory again.
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    s = await start({ dataDir: data, state: { path: state }, apiTokenFile: token });
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(LOCAL_DISK_IPXE);

    // "Reinstall this machine" = forget it.
    const forgot = await s.get(`/machines/${MAC}/state`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } });
    expect([forgot.status, JSON.parse(forgot.body)]).toEqual([200, { mac: MAC, forgotten: { os: expect.objectContaining({ value: "installed" }) } }]);
    expect(existsSync(stateFile(state))).toBe(false);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
    expect((await s.get(`/machines/${MAC}/state`, { method: "DELETE", headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);

    const metrics = (await s.get("/metrics")).body;
    expect(metrics).toMatch(/^netboot_machine_state_changes_total\{change="forget"\} 1$/m);
    expect(metrics).toMatch(/^netboot_machine_state_machines 0$/m);
  });

  it("templates see the request as the machine sent it; the remembered labels reach them only through the selector they matched", async () => {
    const s = await start({ dataDir: dataDir(), state: { path: dir("netboot-state-") } });
    await s.get(`/ignition?${Q}&os=installed`);
    expect((await s.get(`/generic?${Q}`)).body).toBe(`OS=installed QUERY=${Q} LABELS=mac=${MAC};\n`);
    const metadata = (await s.get(`/metadata?${Q}`)).body.split("\n");
    expect(metadata).toContain("OS=installed");
    expect(metadata).toContain(`REQUEST_QUERY_MAC=${MAC}`);
    expect(metadata.filter((l) => l.startsWith("REQUEST_QUERY_"))).toEqual([`REQUEST_QUERY_MAC=${MAC}`]);
    // A label in the query wins over a remembered one.
    expect((await s.get(`/ipxe?${Q}&os=live`)).body).toBe(INSTALLER_IPXE);
  });

  it("with state off, nothing is remembered: answers are byte for byte those of a server without the feature (Matchbox's)", async () => {
    const data = dataDir();
    const plain = await start({ dataDir: data });
    const sticky = await start({ dataDir: data, state: { path: dir("netboot-state-") } });
    const sequence = [`/ipxe?${Q}`, `/ignition?${Q}&os=installed`, `/metadata?${Q}&os=installed`, `/generic?${Q}&os=installed`, `/grub?${Q}&os=installed`];
    for (const target of sequence) {
      const [a, b] = [await plain.get(target), await sticky.get(target)];
      expect([b.status, b.headers["content-type"], b.body]).toEqual([a.status, a.headers["content-type"], a.body]);
    }
    // After the flip, only the stateful server matches the MAC-only request differently.
    expect((await plain.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
    expect((await sticky.get(`/ipxe?${Q}`)).body).toBe(LOCAL_DISK_IPXE);
  });

  it("only a successful answer is remembered, and only for a machine that sent a MAC", async () => {
    const files = { ...FILES, "profiles/local-disk.yaml": FILES["profiles/local-disk.yaml"]!.replace("installed.ign", "missing.ign") };
    const state = dir("netboot-state-");
    const s = await start({ dataDir: dataDir(files), state: { path: state } });
    expect((await s.get(`/ignition?${Q}&os=installed`)).status).toBe(404);
    expect((await s.get(`/ipxe?uuid=4c4c4544&os=installed&fleet=a`)).status).toBe(200);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(INSTALLER_IPXE);
    expect((await import("node:fs")).readdirSync(state)).toEqual([]);
    // A successful /ipxe from the sticky group remembers too.
    expect((await s.get(`/ipxe?${Q}&os=installed`)).body).toBe(LOCAL_DISK_IPXE);
    expect((await s.get(`/ipxe?${Q}`)).body).toBe(LOCAL_DISK_IPXE);
  });
});
