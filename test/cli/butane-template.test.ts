/**
 * `netboot butane` on a data directory's Butane template: with --group, --mac
 * or --label it prints exactly what a running server's /ignition answers for
 * that machine; without them, a template's failure says that it is one.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli, REPO_ROOT, runCli } from "../hardening/support/built-cli.js";
import { spawnServer, type ChildServer } from "../hardening/support/child-server.js";

let cli: string;
let server: ChildServer;
let labelled: string;
let labelledServer: ChildServer;

/** A data directory whose template uses the request's labels and raw query. */
async function labelledDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "netboot-butane-labels-"));
  for (const folder of ["groups", "profiles", "ignition"]) await mkdir(path.join(dir, folder));
  await writeFile(path.join(dir, "profiles/installed.json"), JSON.stringify({ id: "installed", ignition_id: "node.bu" }));
  await writeFile(path.join(dir, "groups/rack-c.json"), JSON.stringify({ id: "rack-c", profile: "installed", selector: { os: "installed", rack: "c" }, metadata: { site: "lab" } }));
  await writeFile(
    path.join(dir, "ignition/node.bu"),
    [
      "variant: fcos",
      "version: 1.5.0",
      "storage:",
      "  files:",
      "    - path: /etc/netboot-labels",
      "      contents:",
      '        inline: "{{.site}} {{.os}} {{.request.query.serial}} {{.request.raw_query}}"',
      "",
    ].join("\n"),
  );
  return dir;
}

beforeAll(async () => {
  cli = ensureBuiltCli();
  labelled = await labelledDataDir();
  [server, labelledServer] = await Promise.all([
    spawnServer(cli, ["-data-path", REPO_ROOT, "-assets-path="]),
    spawnServer(cli, ["-data-path", labelled, "-assets-path="]),
  ]);
}, 240_000);
afterAll(async () => {
  server?.stop();
  labelledServer?.stop();
  await rm(labelled, { recursive: true, force: true });
});

const run = (args: string[], input?: string) => runCli(cli, args, {}, input);

async function served(base: ChildServer, query: string): Promise<string> {
  const res = await fetch(`${base.url}/ignition?${query}`);
  expect(res.status).toBe(200);
  return res.text();
}

describe("netboot butane on a template", () => {
  it("--mac prints what /ignition serves that machine", async () => {
    const { code, stdout, stderr } = await run(["butane", "ignition/fedora-coreos.bu", "--mac", "52-54-00-aa-bb-cc"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe((await served(server, "mac=52-54-00-aa-bb-cc")) + "\n");
    expect(stdout).toContain("node1.lab.example.internal");
  });

  it("--group prints what a machine of that group gets", async () => {
    const node1 = await run(["butane", "--group", "node1", "ignition/fedora-coreos.bu"]);
    expect(node1.code).toBe(0);
    expect(node1.stdout).toBe((await served(server, "mac=52:54:00:aa:bb:cc")) + "\n");
    const fallback = await run(["butane", "--group", "default", "ignition/fedora-coreos.bu"]);
    expect(fallback.code).toBe(0);
    expect(fallback.stdout).toBe((await served(server, "mac=52-54-00-00-00-01")) + "\n");
    expect(fallback.stdout).not.toContain("/etc/hostname");
  });

  it("--label: the labels and raw query a machine sends, the group they select", async () => {
    const file = path.join(labelled, "ignition/node.bu");
    const { code, stdout, stderr } = await run(["butane", file, "--label", "os=installed", "--label", "rack=c", "--label", "serial=S1"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toBe((await served(labelledServer, "os=installed&rack=c&serial=S1")) + "\n");
    expect(stdout).toContain('"source":"data:,lab%20installed%20S1%20os%3Dinstalled%26rack%3Dc%26serial%3DS1"');
  });

  it("--group with --label adds to the group's selector labels", async () => {
    const file = path.join(labelled, "ignition/node.bu");
    const { code, stdout } = await run(["butane", "--group", "rack-c", "--label", "serial=S2", file]);
    expect(code).toBe(0);
    expect(stdout).toBe((await served(labelledServer, "os=installed&rack=c&serial=S2")) + "\n");
  });

  it("reads the template from standard input with -data-path", async () => {
    const template = await readFile(path.join(REPO_ROOT, "ignition/fedora-coreos.bu"), "utf8");
    const { code, stdout } = await run(["butane", "-data-path", REPO_ROOT, "--group", "node1", "-"], template);
    expect(code).toBe(0);
    expect(stdout).toBe((await served(server, "mac=52:54:00:aa:bb:cc")) + "\n");
  });

  it("without a machine, a template's failure says it is a template and how to render it", async () => {
    const { code, stdout, stderr } = await run(["butane", "ignition/fedora-coreos.bu"]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain("error: ignition/fedora-coreos.bu:6:3: YAML error");
    expect(stderr).toContain('note: ignition/fedora-coreos.bu is a Go template ("{{" on line 6): /ignition renders it with a machine\'s data before translating it.');
    expect(stderr).toContain("--group ID, --mac MAC or --label KEY=VALUE");
  });

  it("a template that happens to translate as written gets the note too", async () => {
    const { code, stderr } = await run(["butane", path.join(labelled, "ignition/node.bu")]);
    expect(code).toBe(0);
    expect(stderr).toContain('looks like a Go template ("{{" on line 7) but was translated as written');
  });

  it.each([
    [["--group", "node9"], 'no group has id "node9" (groups: node1-installed, node1, default)'],
    [["--mac", "not-a-mac"], '"not-a-mac" is not a MAC address'],
    [["--label", "rack"], '"rack" is not label=value'],
  ])("%j is a usage error naming the problem", async (flags, message) => {
    const { code, stderr } = await run(["butane", ...flags, "ignition/fedora-coreos.bu"]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it("a labelled machine no group selects is named", async () => {
    const { code, stderr } = await run(["butane", path.join(labelled, "ignition/node.bu"), "--label", "os=other"]);
    expect(code).toBe(2);
    expect(stderr).toContain("no group matches os=other");
  });

  it("a file outside a data directory needs -data-path for a machine", async () => {
    const { code, stderr } = await run(["butane", "--group", "node1", "-"], "variant: fcos\nversion: 1.5.0\n");
    expect(code).toBe(2);
    expect(stderr).toContain("-data-path DIR is required: standard input is not in a data directory's ignition/ folder");
  });
});
