import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { validateCommand } from "../../server/cli/validate.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { startTestServer } from "../support/server.js";
import { runCommand } from "./run-command.js";

const MAC = "52:54:00:aa:bb:01";
const PINO_WARN = 40;

/** A Flatcar machine whose Ignition URL (in its kernel arguments) sends mac, hostname and domain. */
const INSTALL: Record<string, string> = {
  "groups/node1.json": json({ id: "node1", profile: "flatcar", selector: { mac: MAC } }),
  "profiles/flatcar.json": json({
    id: "flatcar",
    ignition_id: "flatcar.bu",
    generic_id: "env.tmpl",
    boot: {
      kernel: "/assets/flatcar/vmlinuz",
      initrd: ["/assets/flatcar/initrd"],
      args: [
        "flatcar.first_boot=yes",
        "ignition.config.url=http://netboot.example.internal:8080/ignition?mac=${mac:hexhyp}&hostname=${hostname}&domain=${domain}",
        "netboot.env=http://netboot.example.internal:8080/generic?mac=${mac:hexhyp}&role=worker",
      ],
    },
  }),
  "ignition/flatcar.bu": [
    "variant: flatcar",
    "version: 1.1.0",
    "storage:",
    "  files:",
    "    - path: /etc/hostname",
    "      contents:",
    '        inline: "{{.request.query.hostname}}.{{.request.query.domain}}"',
    "",
  ].join("\n"),
  "generic/env.tmpl": "ROLE={{.request.query.role}}\nMAC={{.request.query.mac}}\n",
};

describe("netboot validate renders templates with the labels machines really send", () => {
  const made: string[] = [];
  afterEach(() => made.splice(0).forEach(removeDir));

  async function validate(files: Record<string, string>, ...flags: string[]) {
    const dir = makeDataDir(files);
    made.push(dir);
    return runCommand(validateCommand, ["-data-path", dir, ...flags]);
  }

  it("labels sent by the profile's own URLs to /ignition and /generic are no problem", async () => {
    const { code, stdout } = await validate(INSTALL);
    expect(stdout).toMatch(/^0 errors, 0 warnings in 1 groups, 1 profiles, 2 templates/);
    expect(code).toBe(0);
  });

  it("a label no URL sends is a warning that names it and what the URL sends; --strict fails on it", async () => {
    const files = { ...INSTALL, "generic/env.tmpl": "ROLE={{.request.query.role}}\nSERIAL={{.request.query.serial}}\n" };
    const { code, stdout } = await validate(files);
    expect(stdout.split("\n")[0]).toBe(
      'generic/env.tmpl: warning: for groups/node1.json: needs the request label "serial" (.request.query.serial), ' +
        "which the URL in profiles/flatcar.json:/boot/args/2 does not send (it sends mac, role, plus the selector's mac)",
    );
    expect(code).toBe(0);
    expect((await validate(files, "--strict")).code).toBe(1);
  });

  it("the iPXE chain's labels reach /ipxe only: a template at an endpoint no URL points at gets only the selector's", async () => {
    const profile = JSON.parse(INSTALL["profiles/flatcar.json"]!) as { boot: { args: string[] } };
    profile.boot.args = profile.boot.args.slice(0, 2);
    const { code, stdout } = await validate({ ...INSTALL, "profiles/flatcar.json": json(profile) });
    expect(stdout.split("\n")[0]).toBe(
      'generic/env.tmpl: warning: for groups/node1.json: needs the request label "role" (.request.query.role), which no request is known to send: ' +
        "no URL in profiles/flatcar.json points at /generic, and a request that selects this group carries only the selector's mac",
    );
    expect(code).toBe(0);
  });

  it("other errors of a template that also needs an unsent label are still errors", async () => {
    const { code, stdout } = await validate({ ...INSTALL, "generic/env.tmpl": "{{.request.query.serial}} {{.nope}}\n" });
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/^generic\/env\.tmpl: error: for groups\/node1\.json: .*map has no entry for key "nope"$/);
    expect(lines[1]).toMatch(/^generic\/env\.tmpl: warning: for groups\/node1\.json: needs the request label "serial"/);
    expect(code).toBe(1);
  });
});

describe("a group switched off with a selector MAC that does not parse", () => {
  it("is skipped as Matchbox skips it, reported once at warn, and validate exits 0", async () => {
    const files = {
      "groups/default.json": json({ id: "default", profile: "live" }),
      "groups/off.json": json({ id: "off", profile: "install", selector: { mac: "impossible" } }),
      "profiles/live.json": json({ id: "live", boot: { kernel: "/live" } }),
      "profiles/install.json": json({ id: "install", boot: { kernel: "/install" } }),
    };
    const s = await startTestServer({ files });
    try {
      // Matchbox never selects it: the default group answers, even for a machine with no labels.
      expect((await s.get("/ipxe")).body).toBe("#!ipxe\nkernel /live\nboot\n");
      await s.server.store.reload("again");
      await s.server.store.reload("and again");
      const about = s.logs.filter((l) => l.file === "groups/off.json");
      expect(about.map((l) => [l.level, l.msg])).toEqual([
        [PINO_WARN, "groups/off.json /selector/mac: address impossible: invalid MAC address, so this group is skipped (as Matchbox skips it)"],
      ]);

      // A group that was served, then switched off, is not served from its last good version.
      writeFileSync(path.join(s.dataDir, "groups/off.json"), json({ id: "off", profile: "install", selector: { serial: "S1" } }));
      await s.server.store.reload("on");
      expect((await s.get("/ipxe?serial=S1")).body).toBe("#!ipxe\nkernel /install\nboot\n");
      writeFileSync(path.join(s.dataDir, "groups/off.json"), json({ id: "off", profile: "install", selector: { serial: "S1", mac: "off" } }));
      await s.server.store.reload("off");
      expect((await s.get("/ipxe?serial=S1")).body).toBe("#!ipxe\nkernel /live\nboot\n");

      const { code, stdout } = await runCommand(validateCommand, ["-data-path", s.dataDir]);
      expect(stdout).toContain("groups/off.json:/selector/mac: warning: address off: invalid MAC address, so this group is skipped (as Matchbox skips it)\n");
      expect(code).toBe(0);
    } finally {
      await s.close();
    }
  });
});
