import { describe, expect, test } from "vitest";
import { NetbootError } from "../../../server/errors.js";
import { MAX_BUTANE_BYTES, MAX_BUTANE_NODES, MAX_EXPANDED_CHARS, translateButane } from "../../../server/render/butane/index.js";
import { gunzipDataUrl, normaliseGzipSources } from "../support/gzip-sources.js";
import { expectIgnitionValid } from "../support/ignition-validate.js";

const HEAD = '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"}';

/** Translates, checks the result with the real ignition-validate, returns JSON and warnings. */
function butane(yamlText: string, file = "ignition/test.yaml"): { ignition: string; warnings: string[] } {
  const result = translateButane(yamlText, file);
  expectIgnitionValid(result.ignition);
  return result;
}

function parsed(yamlText: string): Record<string, any> {
  return JSON.parse(butane(yamlText).ignition) as Record<string, any>;
}

function expectFailure(yamlText: string, code: "NB_BUTANE" | "NB_IGNITION", pattern: RegExp, file = "ignition/bad.yaml"): void {
  let caught: unknown;
  try {
    translateButane(yamlText, file);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(NetbootError);
  const err = caught as NetbootError;
  expect(err.code).toBe(code);
  expect(err.message.startsWith(file)).toBe(true);
  expect(err.message).not.toContain("\n");
  expect(err.message).toMatch(pattern);
}

const INSTALLER_SCRIPT = [
  "#!/bin/bash -ex",
  'curl --retry 10 --fail "http://matchbox.example.com:8080/ignition?os=installed" -o ignition.json',
  "flatcar-install \\",
  "  -d /dev/vda \\",
  "  -C stable \\",
  "  -V 3227.2.0 \\",
  "  -b http://matchbox.example.com:8080/assets/flatcar \\",
  "  -i ignition.json",
  "udevadm settle",
  "systemctl reboot",
  "",
].join("\n");

const indent = (text: string, by: string): string =>
  text
    .split("\n")
    .map((line) => (line === "" ? line : by + line))
    .join("\n");

describe("expected outputs captured from Matchbox's pipeline", () => {
  test("flatcar-install (flatcar 1.1.0): same as the raw .ign, gzip compared after decoding", () => {
    const yamlText = [
      "---",
      "variant: flatcar",
      "version: 1.1.0",
      "systemd:",
      "  units:",
      "    - name: installer.service",
      "      enabled: true",
      "      contents: |",
      "        [Unit]",
      "        Requires=network-online.target",
      "        After=network-online.target",
      "        [Service]",
      "        Type=simple",
      "        ExecStart=/opt/installer",
      "        [Install]",
      "        WantedBy=multi-user.target",
      "storage:",
      "  files:",
      "    - path: /opt/installer",
      "      mode: 0500",
      "      contents:",
      "        inline: |",
      indent(INSTALLER_SCRIPT, "          "),
      "passwd:",
      "  users:",
      "    - name: core",
      "      ssh_authorized_keys:",
      "        - ssh-ed25519 SET_PUBKEY_HERE",
      "",
    ].join("\n");
    const expected =
      HEAD +
      ',"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 SET_PUBKEY_HERE"]}]},"storage":{"files":[{"group":{},"path":"/opt/installer","user":{},"contents":{"compression":"gzip","source":"data:;base64,H4sIAAAAAAAC/4SOsU4DMRBEe3/FEmrbx1EQRUIU/AMVzdrecEZrb+TdnC5/T3GhoaF8mhnNe3yIqfaYUBfwtLl8HQzeD7Jxg6cJvD9jZTgsZpdTjA0tL0m2QBu2C1PI0k7H6TjF+tWrVelvoq+1qyEzlQN4gd8kfKt0d2a0jMPfO/DpAHyBWGiNa8Gd30ENE9NOH/A8zy9hDtPOCf61QVUyjfezfVb/mFwLrVgaKJkxOb2pUcvGMCiJmPsJAAD//1GtasgbAQAA","verification":{}},"mode":320}]},"systemd":{"units":[{"contents":"[Unit]\\nRequires=network-online.target\\nAfter=network-online.target\\n[Service]\\nType=simple\\nExecStart=/opt/installer\\n[Install]\\nWantedBy=multi-user.target\\n","enabled":true,"name":"installer.service"}]}}';
    const { ignition, warnings } = butane(yamlText);
    expect(normaliseGzipSources(ignition)).toBe(normaliseGzipSources(expected));
    expect(gunzipDataUrl(JSON.parse(ignition).storage.files[0].contents.source)).toBe(INSTALLER_SCRIPT);
    // Go's gzip header: mtime 0, best-compression flag, OS "unknown".
    const gz = Buffer.from(JSON.parse(ignition).storage.files[0].contents.source.split(",")[1], "base64");
    expect(gz.subarray(0, 10).toString("hex")).toBe("1f8b08000000000002ff");
    expect(warnings).toEqual([]);
  });

  test("TestIgnitionHandler_Butane: the rendered template gives Matchbox's exact bytes", () => {
    const rendered = [
      "variant: flatcar",
      "version: 1.1.0",
      "systemd:",
      "  units:",
      "    - name: a1b2c3d4.service",
      "      enabled: true",
      "      contents: 10.2.0.0/16",
      "    - name: some-param.service",
      "      enabled: true",
      "      contents: foo=some-param&bar=b",
      "",
    ].join("\n");
    expect(butane(rendered).ignition).toBe(
      HEAD +
        ',"kernelArguments":{},"passwd":{},"storage":{},"systemd":{"units":[{"contents":"10.2.0.0/16","enabled":true,"name":"a1b2c3d4.service"},{"contents":"foo=some-param\\u0026bar=b","enabled":true,"name":"some-param.service"}]}}',
    );
  });

  test("the docs template, rendered with and without SSH keys", () => {
    // Matchbox's documented Butane template after Go template rendering (blank lines included).
    const head = [
      "variant: flatcar",
      "version: 1.1.0",
      "storage:",
      "  files:",
      "    - path: /var/home/core/foo",
      "      mode: 0644",
      "      contents:",
      "        inline: |",
      "          hello & <world>",
      "",
      "",
    ].join("\n");
    const keys = [
      "passwd:",
      "  users:",
      "    - name: core",
      "      ssh_authorized_keys:",
      "        ",
      "        - ssh-ed25519 AAAA a@b",
      "        ",
      "        - ssh-rsa BBBB c@d",
      "        ",
      "",
      "",
    ].join("\n");
    const file =
      '{"group":{},"path":"/var/home/core/foo","user":{},"contents":{"compression":"","source":"data:,hello%20%26%20%3Cworld%3E%0A","verification":{}},"mode":420}';
    expect(butane(head + keys).ignition).toBe(
      HEAD +
        `,"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 AAAA a@b","ssh-rsa BBBB c@d"]}]},"storage":{"files":[${file}]},"systemd":{}}`,
    );
    expect(butane(head + "\n").ignition).toBe(HEAD + `,"kernelArguments":{},"passwd":{},"storage":{"files":[${file}]},"systemd":{}}`);
  });

  test("examples fedora-coreos.yaml (fcos 1.5.0) equals the raw example's response", () => {
    expect(butane("variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: core\n      ssh_authorized_keys:\n        - ssh-ed25519 SET_PUBKEY_HERE\n").ignition).toBe(
      HEAD + ',"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 SET_PUBKEY_HERE"]}]},"storage":{},"systemd":{}}',
    );
  });
});

describe("YAML decoding follows yaml.v3 into Butane's Go types", () => {
  const fileMode = (mode: string): number =>
    parsed(`variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      mode: ${mode}\n`).storage.files[0].mode as number;

  test("modes: YAML 1.1 octal, 0o, 0x, 0b, signs, separators and whole floats", () => {
    for (const m of ["0644", "0o644", "0x1A4", "+0644", "420", "4_20", "420.0", "4.2e2"]) expect(fileMode(m), m).toBe(420);
    expect(fileMode("0b111101101")).toBe(493);
  });

  test("bools accept YAML 1.1 words; strings keep the scalar's text", () => {
    const cfg = parsed(
      [
        "variant: fcos",
        "version: 1.5.0",
        "systemd:",
        "  units:",
        "    - name: a.service",
        "      enabled: yes",
        "      mask: off",
        "      contents: 10.20",
        "    - name: b.service",
        "      enabled: 'on'",
        "      contents: 0644",
        "passwd:",
        "  users:",
        "    - name: true",
        "      groups: [a, ~, b, '']",
        "",
      ].join("\n"),
    );
    expect(cfg.systemd.units[0]).toEqual({ contents: "10.20", enabled: true, mask: false, name: "a.service" });
    expect(cfg.systemd.units[1]).toEqual({ contents: "0644", enabled: true, name: "b.service" });
    expect(cfg.passwd.users[0]).toEqual({ name: "true", groups: ["a", "b", ""] });
  });

  test("links, drop-ins, remote files, kernel arguments and compression as the note records them", () => {
    const hash = "sha256-" + "a".repeat(64);
    const cfg = butane(
      [
        "variant: fcos",
        "version: 1.5.0",
        "storage:",
        "  links:",
        "    - path: /etc/localtime",
        "      target: ../usr/share/zoneinfo/UTC",
        "      overwrite: true",
        "  files:",
        "    - path: /remote",
        "      overwrite: true",
        "      contents:",
        "        source: https://example.com/file?x=1&y=2",
        "        http_headers:",
        "          - name: X-A",
        "            value: b",
        "        verification:",
        `          hash: ${hash}`,
        "    - path: /pre-compressed",
        "      contents:",
        "        compression: gzip",
        "        inline: not really gzip",
        "systemd:",
        "  units:",
        "    - name: docker.service",
        "      dropins:",
        "        - name: 10-x.conf",
        "          contents: |",
        "            [Service]",
        "            Environment=A=1",
        "kernel_arguments:",
        "  should_exist: [console=ttyS0]",
        "  should_not_exist: [quiet]",
        "",
      ].join("\n"),
    ).ignition;
    expect(cfg).toContain('"links":[{"group":{},"overwrite":true,"path":"/etc/localtime","user":{},"target":"../usr/share/zoneinfo/UTC"}]');
    expect(cfg).toContain(
      `{"group":{},"overwrite":true,"path":"/remote","user":{},"contents":{"httpHeaders":[{"name":"X-A","value":"b"}],"source":"https://example.com/file?x=1\\u0026y=2","verification":{"hash":"${hash}"}}}`,
    );
    expect(cfg).toContain('"contents":{"compression":"gzip","source":"data:,not%20really%20gzip","verification":{}}');
    expect(cfg).toContain('"units":[{"dropins":[{"contents":"[Service]\\nEnvironment=A=1\\n","name":"10-x.conf"}],"name":"docker.service"}]');
    expect(cfg).toContain('"kernelArguments":{"shouldExist":["console=ttyS0"],"shouldNotExist":["quiet"]}');
  });

  test("anchors, aliases and merge keys work as in YAML", () => {
    const cfg = parsed(
      [
        "variant: fcos",
        "version: 1.5.0",
        "x-defaults: &defaults",
        "  mode: 0600",
        "  user: {name: core}",
        "storage:",
        "  files:",
        "    - <<: *defaults",
        "      path: /a",
        "    - <<: *defaults",
        "      path: /b",
        "      mode: 0640",
        "",
      ].join("\n"),
    );
    expect(cfg.storage.files.map((f: { path: string; mode: number }) => [f.path, f.mode])).toEqual([
      ["/a", 0o600],
      ["/b", 0o640],
    ]);
  });
});

describe("inline contents are encoded the way Butane chooses", () => {
  const source = (inline: string, version = "1.5.0"): { compression?: string; source: string } =>
    parsed(`variant: fcos\nversion: ${version}\nstorage:\n  files:\n    - path: /f\n      contents:\n        inline: ${JSON.stringify(inline)}\n`).storage.files[0]
      .contents;

  test("percent form for short ASCII, empty data, base64 for non-ASCII, gzip for repetitive text", () => {
    expect(source("hello world")).toEqual({ compression: "", source: "data:,hello%20world", verification: {} });
    expect(source("")).toEqual({ compression: "", source: "data:,", verification: {} });
    expect(source("é✓%")).toEqual({ compression: "", source: "data:;base64," + Buffer.from("é✓%").toString("base64"), verification: {} });
    const repetitive = "the same line again\n".repeat(9);
    const gz = source(repetitive);
    expect(gz.compression).toBe("gzip");
    expect(gunzipDataUrl(gz.source)).toBe(repetitive);
  });

  test("fcos 1.0.0 (spec 3.0) always percent-encodes and writes no compression", () => {
    expect(source("the same line again\n".repeat(9), "1.0.0")).toEqual({
      source: "data:," + "the%20same%20line%20again%0A".repeat(9),
      verification: {},
    });
  });
});

describe("variants and versions", () => {
  const body = "passwd:\n  users:\n    - name: core\n";
  for (const [variant, version] of [
    ["fcos", "1.0.0"],
    ["fcos", "1.1.0"],
    ["fcos", "1.2.0"],
    ["fcos", "1.3.0"],
    ["fcos", "1.4.0"],
    ["fcos", "1.5.0"],
    ["flatcar", "1.0.0"],
    ["flatcar", "1.1.0"],
    ["r4e", "1.0.0"],
    ["r4e", "1.1.0"],
    ["fiot", "1.0.0"],
  ] as const) {
    test(`${variant} ${version} is served as spec 3.4.0`, () => {
      expect(butane(`variant: ${variant}\nversion: ${version}\n${body}`).ignition).toBe(
        HEAD + ',"kernelArguments":{},"passwd":{"users":[{"name":"core"}]},"storage":{},"systemd":{}}',
      );
    });
  }

  test("fcos 1.6.0 is served as spec 3.5.0", () => {
    expect(butane(`variant: fcos\nversion: 1.6.0\n${body}`).ignition).toBe(
      HEAD.replace("3.4.0", "3.5.0") + ',"kernelArguments":{},"passwd":{"users":[{"name":"core"}]},"storage":{},"systemd":{}}',
    );
  });

  test("Fedora CoreOS warns about reserved partition labels and a small root", () => {
    const disk = (version: string, partitions: string): string[] =>
      butane(`variant: fcos\nversion: ${version}\nstorage:\n  disks:\n    - device: /dev/disk/by-id/coreos-boot-disk\n      partitions:\n${partitions}`).warnings;
    expect(disk("1.5.0", "        - label: root\n          number: 4\n          size_mib: 4096\n")).toEqual([
      "ignition/test.yaml:9: storage.disks[0].partitions[0].size_mib: root should have 8GiB of space assigned",
    ]);
    expect(disk("1.0.0", "        - label: boot\n          number: 5\n")).toEqual([
      "ignition/test.yaml:7: storage.disks[0].partitions[0].label: incorrect partition number; a new partition will be created using reserved label",
    ]);
    expect(disk("1.4.0", "        - label: root\n          number: 4\n          size_mib: 0\n        - label: var\n          number: 5\n")).toEqual([
      "ignition/test.yaml:7: storage.disks[0].partitions[0].label: root partition cannot expand; it is set to fill available space but is followed by an auto-positioned partition",
    ]);
  });

  test("fields a version does not have are unused-key warnings, not output", () => {
    const { ignition, warnings } = butane("variant: fcos\nversion: 1.3.0\nkernel_arguments:\n  should_exist: [quiet]\nbogus: 1\n");
    expect(ignition).toBe(HEAD + ',"kernelArguments":{},"passwd":{},"storage":{},"systemd":{}}');
    expect(warnings).toEqual(["ignition/test.yaml:3: kernel_arguments: unused key kernel_arguments", "ignition/test.yaml:5: bogus: unused key bogus"]);
  });
});

describe("bad Butane is an error naming the file and the reason", () => {
  test("YAML errors: tabs, duplicate keys, unterminated quotes", () => {
    expectFailure("variant: fcos\nversion: 1.5.0\npasswd:\n\tusers: []\n", "NB_BUTANE", /^ignition\/bad\.yaml:4:1: YAML error: /);
    expectFailure("variant: fcos\nvariant: fcos\nversion: 1.5.0\n", "NB_BUTANE", /ignition\/bad\.yaml:2:1: YAML error: duplicated mapping key/);
    expectFailure('variant: "fcos\nversion: 1.5.0\n', "NB_BUTANE", /YAML error/);
  });

  test("variant and version", () => {
    expectFailure("version: 1.5.0\n", "NB_BUTANE", /error parsing variant; must be specified/);
    expectFailure("variant: fcos\nversion: 1.5\n", "NB_BUTANE", /error parsing version; must be a valid semver/);
    expectFailure("variant: FCOS\nversion: 1.5.0\n", "NB_BUTANE", /No translator exists for variant FCOS with version 1\.5\.0/);
    expectFailure("variant: ubuntu\nversion: 1.0.0\n", "NB_BUTANE", /No translator exists for variant ubuntu/);
    expectFailure("variant: fcos\nversion: 1.8.0-experimental\n", "NB_BUTANE", /newer than 3\.5\.0/);
    expectFailure("variant: openshift\nversion: 4.14.0\n", "NB_BUTANE", /MachineConfig/);
    expectFailure('{"ignition":{"version":"3.4.0"}}', "NB_BUTANE", /error parsing variant; must be specified/);
  });

  test("errors and warnings carry the line of the key when the YAML node has a position", () => {
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      mode: rw-r--r--\n", "NB_BUTANE", /^ignition\/bad\.yaml:6: storage\.files\[0\]\.mode: cannot unmarshal !!str `rw-r--r--` into int$/);
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      contents:\n        local: x\n", "NB_BUTANE", /^ignition\/bad\.yaml:7: storage\.files\[0\]\.contents\.local: /);
  });

  test("type errors: quoted ints and bools, lists where strings belong", () => {
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      mode: '0644'\n", "NB_BUTANE", /storage\.files\[0\]\.mode: cannot unmarshal !!str `0644` into int/);
    expectFailure("variant: fcos\nversion: 1.5.0\nsystemd:\n  units:\n    - name: a.service\n      enabled: \"true\"\n", "NB_BUTANE", /enabled: cannot unmarshal !!str `true` into bool/);
    expectFailure("variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: [a]\n", "NB_BUTANE", /passwd\.users\[0\]\.name: cannot unmarshal !!seq into string/);
  });

  test("local files and trees need a files directory netboot does not have", () => {
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      contents:\n        local: x.txt\n", "NB_BUTANE", /storage\.files\[0\]\.contents\.local: local file paths need a files directory/);
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  trees:\n    - local: tree\n", "NB_BUTANE", /storage\.trees\[0\]: local file paths need a files directory/);
    expectFailure("variant: fcos\nversion: 1.5.0\nsystemd:\n  units:\n    - name: a.service\n      contents_local: a.service\n", "NB_BUTANE", /contents_local: local file paths/);
    expectFailure("variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: core\n      ssh_authorized_keys_local: [id.pub]\n", "NB_BUTANE", /ssh_authorized_keys_local: local file paths/);
  });

  test("more than one content source, flatcar clevis, edge-variant filters", () => {
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      contents:\n        inline: a\n        source: https://e/x\n", "NB_BUTANE", /contents\.source: only one of the following can be set: inline, local, source/);
    expectFailure("variant: flatcar\nversion: 1.1.0\nstorage:\n  luks:\n    - name: data\n      device: /dev/vdb\n      clevis:\n        tpm2: true\n", "NB_BUTANE", /storage\.luks\[0\]\.clevis: clevis is not supported in this spec version/);
    expectFailure("variant: r4e\nversion: 1.1.0\nkernel_arguments:\n  should_exist: [a]\n", "NB_BUTANE", /kernelArguments: kernel argument customization is not supported/);
  });

  test("a result that fails Ignition validation is NB_IGNITION", () => {
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hosts\n    - path: /etc/hosts\n", "NB_IGNITION", /^ignition\/bad\.yaml:6: storage\.files\[1\]\.path: duplicate path \/etc\/hosts$/);
    expectFailure("variant: fcos\nversion: 1.5.0\nstorage:\n  directories:\n    - path: relative/dir\n", "NB_IGNITION", /path not absolute/);
    expectFailure("variant: fcos\nversion: 1.5.0\nsystemd:\n  units:\n    - name: nope\n", "NB_IGNITION", /invalid systemd unit extension/);
    expectFailure("variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: core\n      ssh_authorized_keys: [a, a]\n", "NB_IGNITION", /sshAuthorizedKeys\[1\]: duplicate entry defined/);
  });

  test("an inline Ignition config under ignition.config is checked as Ignition", () => {
    const merge = (inline: string): string =>
      `variant: fcos\nversion: 1.5.0\nignition:\n  config:\n    merge:\n      - inline: '${inline}'\n`;
    expectFailure(merge('{"ignition": {"version": "3.4.0"'), "NB_BUTANE", /ignition\.config\.merge\[0\]\.inline: embedded Ignition config: unexpected end of JSON input/);
    expectFailure(
      merge('{"ignition":{"version":"3.4.0"},"storage":{"files":[{"path":"x"}]}}'),
      "NB_BUTANE",
      /merge\[0\]\.inline: embedded Ignition config: storage\.files\[0\]\.path: path not absolute/,
    );
    const other = butane(merge('{"ignition":{"version":"3.1.0"}}'));
    expect(other.warnings).toEqual(['ignition/test.yaml: ignition.config.merge[0].inline: embedded Ignition config has version "3.1.0"; not validated']);
    expect(JSON.parse(other.ignition).ignition.config.merge[0].source).toBe(
      "data:;base64," + Buffer.from('{"ignition":{"version":"3.1.0"}}').toString("base64"),
    );
  });

  test("pathologically nested documents are refused, not a crash", () => {
    const deep = "variant: fcos\nversion: 1.5.0\nx: " + "[".repeat(20_000) + "]".repeat(20_000) + "\n";
    expectFailure(deep, "NB_BUTANE", /nest/);
  });

  test("billion laughs: alias expansion is bounded", () => {
    const lines = ["variant: fcos", "version: 1.5.0", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(",")}]`);
    lines.push("passwd:", "  users:", "    - name: core", "      groups: *a9");
    const started = Date.now();
    expectFailure(lines.join("\n") + "\n", "NB_BUTANE", /expands to more than \d+ nodes/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("aliases may not make a document longer than one written out", () => {
    // 120 files sharing one 256 KiB inline text: 30 M characters once expanded.
    const lines = ["variant: fcos", "version: 1.5.0", `x: &big "${"a".repeat(256 * 1024)}"`, "storage:", "  files:"];
    for (let i = 0; i < 120; i++) lines.push(`    - path: /f${i}`, "      contents:", "        inline: *big");
    const started = Date.now();
    expectFailure(lines.join("\n") + "\n", "NB_BUTANE", new RegExp(`expands to more than \\d+ nodes or ${MAX_EXPANDED_CHARS} characters`));
    expect(Date.now() - started).toBeLessThan(1000);
    // Two copies (768 KiB with the anchor's own text) stay within the limit and translate.
    const two = lines.slice(0, 5 + 3 * 2).join("\n") + "\n";
    expect(JSON.parse(translateButane(two, "ignition/ok.yaml").ignition).storage.files).toHaveLength(2);
  });

  test("parsing stops at the node limit instead of building a huge tree", () => {
    const flow = "variant: fcos\nversion: 1.5.0\nx: [" + "1,".repeat(400_000) + "1]\n";
    const started = Date.now();
    expectFailure(flow, "NB_BUTANE", new RegExp(`document has more than ${MAX_BUTANE_NODES} nodes`));
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test("documents over the size limit are refused before parsing", () => {
    const big = "variant: fcos\nversion: 1.5.0\n# " + "x".repeat(MAX_BUTANE_BYTES) + "\n";
    expectFailure(big, "NB_BUTANE", /larger than \d+ bytes/);
  });
});
