import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { validateCommand } from "../../server/cli/validate.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { runCommand } from "./run-command.js";

const PLANTED = path.join(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/planted");

/**
 * Every problem planted in test/fixtures/planted, one line each, in report
 * order: `FILE[:POINTER]: severity: ` exactly, and what the reason must say.
 */
const EXPECTED: [string, RegExp][] = [
  ["cloud/not-cloud.tmpl: error: ", /^for groups\/bad-cloud\.json: rendered text is neither a #cloud-config nor a #! script$/],
  ["generic/env.tmpl: error: ", /^for groups\/missing-key\.json: .*map has no entry for key "hostname"/],
  ["generic/unparsable.tmpl: error: ", /unexpected EOF/],
  ["groups/bad-mac.json:/selector/mac: warning: ", /^address not-a-mac: invalid MAC address, so this group is skipped \(as Matchbox skips it\)$/],
  ["groups/broken-json.json: error: ", /^invalid JSON/],
  ["groups/broken-profile.json:/profile: error: ", /^profile "broken" is invalid \(see profiles\/broken\.yaml\)$/],
  ["groups/default.json: error: ", /^multiple default groups .*groups\/default-again\.yaml takes precedence/],
  ["groups/no-profile.json:/profile: warning: ", /names no profile/],
  ["groups/no-such-profile.json:/profile: error: ", /^profile "ghost" does not exist \(looked for profiles\/ghost\.json, profiles\/ghost\.yaml, profiles\/ghost\.yml\)$/],
  ["groups/same-2.json:/selector: error: ", /^identical selector \{os=installed,rack=c\} to groups\/same-1\.json/],
  ["groups/twin-b.json:/id: warning: ", /^duplicate group id "twin": also defined by groups\/twin-a\.json$/],
  ["groups/wrong-type.json:/selector/rack: error: ", /string/],
  ["ignition/bad.bu: error: ", /^for groups\/butane-error\.json: .*9\.9\.9/],
  ["ignition/old.ign: error: ", /^for groups\/raw-ignition\.json: .*2\.2\.0/],
  ["ignition/unknown-key.bu: warning: ", /^for groups\/butane-warning\.json: .*unused key filez/],
  ["profiles/broken.yaml: error: ", /^invalid YAML/],
  ["profiles/good.json:/id: warning: ", /^duplicate profile id "good": also defined by profiles\/good-copy\.json$/],
  ["profiles/missing-asset.json:/boot/args/0: error: ", /^asset \/assets\/os\/rootfs\.img is neither a file in the assets directory nor declared in sources\/$/],
  ["profiles/missing-asset.json:/boot/initrd/0: error: ", /^asset \/assets\/os\/missing\.img is neither a file in the assets directory nor declared in sources\/$/],
  ["profiles/missing-template.json:/ignition_id: error: ", /^ignition\/absent\.bu does not exist$/],
  ["profiles/no-boot.json:/boot: warning: ", /no boot section/],
];

describe("netboot validate", () => {
  const made: string[] = [];
  afterEach(() => made.splice(0).forEach(removeDir));

  it("reports exactly the problems planted in a data directory, one line each, and exits 1", async () => {
    const { code, stdout } = await runCommand(validateCommand, ["-data-path", PLANTED, "-assets-path", path.join(PLANTED, "assets")]);
    const lines = stdout.trimEnd().split("\n");
    const summary = lines.pop();
    expect(lines).toHaveLength(EXPECTED.length);
    lines.forEach((line, i) => {
      const [prefix, reason] = EXPECTED[i]!;
      expect(line.startsWith(prefix), `line ${i}: ${line}`).toBe(true);
      expect(line.slice(prefix.length)).toMatch(reason);
    });
    expect(summary).toMatch(/^15 errors, 6 warnings in 18 groups, 11 profiles, 8 templates \(\d+ ms\)$/);
    expect(code).toBe(1);
  });

  it("checks assets only when given an assets directory", async () => {
    const { stdout } = await runCommand(validateCommand, ["-data-path", PLANTED]);
    expect(stdout).not.toContain("/assets/os/missing.img");
    expect(stdout).toMatch(/^13 errors, 6 warnings/m);
  });

  it("reports as JSON with --json", async () => {
    const { code, stdout } = await runCommand(validateCommand, ["--data-path=" + PLANTED, "--json"]);
    const report = JSON.parse(stdout) as { problems: { file: string; pointer?: string; severity: string; reason: string }[]; errors: number; warnings: number };
    expect(code).toBe(1);
    expect(report.errors).toBe(13);
    expect(report.problems).toContainEqual({
      file: "groups/bad-mac.json",
      pointer: "/selector/mac",
      severity: "warning",
      reason: "address not-a-mac: invalid MAC address, so this group is skipped (as Matchbox skips it)",
    });
  });

  it("exits 0 when there are only warnings, and on a clean directory", async () => {
    const warningsOnly = makeDataDir({
      "groups/a.json": json({ id: "a", selector: { mac: "52:54:00:00:00:0a" } }),
      "groups/b.json": json({ id: "a", profile: "p", selector: { mac: "52:54:00:00:00:0b" } }),
      "profiles/p.json": json({ id: "p", boot: { kernel: "/k" } }),
    });
    made.push(warningsOnly);
    const warned = await runCommand(validateCommand, ["-data-path", warningsOnly]);
    expect(warned.stdout).toContain("groups/a.json:/profile: warning: names no profile");
    expect(warned.stdout).toContain('groups/b.json:/id: warning: duplicate group id "a"');
    expect(warned.code).toBe(0);

    const clean = makeDataDir({
      "groups/a.json": json({ id: "a", profile: "p", selector: { mac: "52:54:00:00:00:0a" }, metadata: { n: 1000000 } }),
      "profiles/p.json": json({ id: "p", generic_id: "g", boot: { kernel: "/k" } }),
      "generic/g": "N={{.n}} MAC={{.mac}} Q={{.request.query.mac}}\n",
    });
    made.push(clean);
    const ok = await runCommand(validateCommand, ["-data-path", clean]);
    expect(ok.stdout).toMatch(/^0 errors, 0 warnings in 1 groups, 1 profiles, 1 templates/);
    expect(ok.code).toBe(0);
  });

  it("renders a template once per group with that group's selector values as labels, and warns about labels no request sends", async () => {
    const dir = makeDataDir({
      "groups/with-uuid.json": json({ id: "u", profile: "p", selector: { uuid: "1234" } }),
      "groups/mac-only.json": json({ id: "m", profile: "p", selector: { mac: "52:54:00:00:00:0c" } }),
      "profiles/p.json": json({ id: "p", generic_id: "g" }),
      "generic/g": "UUID={{.request.query.uuid}}\n",
    });
    made.push(dir);
    const { code, stdout } = await runCommand(validateCommand, ["-data-path", dir]);
    expect(stdout.split("\n")[0]).toBe(
      'generic/g: warning: for groups/mac-only.json: needs the request label "uuid" (.request.query.uuid), which no request is known to send: ' +
        "no URL in profiles/p.json points at /generic, and a request that selects this group carries only the selector's mac",
    );
    expect(stdout).not.toContain("with-uuid");
    expect(code).toBe(0);
    expect((await runCommand(validateCommand, ["-data-path", dir, "--strict"])).code).toBe(1);
  });

  it("refuses a data path that is not a directory", async () => {
    const { code, stderr } = await runCommand(validateCommand, ["-data-path", "/nonexistent/netboot"]);
    expect(code).toBe(2);
    expect(stderr).toContain("is not a directory");
  });
});
