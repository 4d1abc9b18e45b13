import { describe, expect, test } from "vitest";
import { NetbootError } from "../../../server/errors.js";
import { canonicalIgnition, MAX_IGNITION_BYTES } from "../../../server/render/ignition/index.js";
import { expectIgnitionValid } from "../support/ignition-validate.js";

const HEAD = '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"}';

/** Canonicalises, checks the result with the real ignition-validate, returns it. */
function canonical(text: string, file = "ignition/test.ign"): string {
  const out = canonicalIgnition(text, file);
  expectIgnitionValid(out);
  return out;
}

function expectFailure(text: string, pattern: RegExp, file = "ignition/bad.ign"): void {
  let caught: unknown;
  try {
    canonicalIgnition(text, file);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(NetbootError);
  const err = caught as NetbootError;
  expect(err.code).toBe("NB_IGNITION");
  expect(err.message.startsWith(`${file}`)).toBe(true);
  expect(err.message).not.toContain("\n");
  expect(err.message).toMatch(pattern);
}

describe("Matchbox's /ignition vectors", () => {
  const raw34 =
    HEAD +
    ',"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["key"]}]},"storage":{},"systemd":{"units":[{"enabled":false,"name":"docker.service"}]}}';

  test("TestIgnitionHandler_v3_4: a canonical 3.4.0 document comes back byte for byte", () => {
    expect(canonical(raw34)).toBe(raw34);
  });

  test("TestIgnitionHandler_v3_1: the same document as 3.1.0 is served as 3.4.0", () => {
    expect(canonical(raw34.replace('"version":"3.4.0"', '"version":"3.1.0"'))).toBe(raw34);
  });

  test("examples fedora-coreos.ign (pretty-printed 3.4.0) gives the documented response", () => {
    const pretty = JSON.stringify(
      { ignition: { version: "3.4.0" }, passwd: { users: [{ name: "core", sshAuthorizedKeys: ["ssh-ed25519 SET_PUBKEY_HERE"] }] } },
      null,
      2,
    );
    expect(canonical(pretty + "\n")).toBe(
      HEAD + ',"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 SET_PUBKEY_HERE"]}]},"storage":{},"systemd":{}}',
    );
  });

  test("examples flatcar-install.ign: keys in any order, gzip data URL kept verbatim", () => {
    const expected =
      HEAD +
      ',"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 SET_PUBKEY_HERE"]}]},"storage":{"files":[{"group":{},"path":"/opt/installer","user":{},"contents":{"compression":"gzip","source":"data:;base64,H4sIAAAAAAAC/4SOsU4DMRBEe3/FEmrbx1EQRUIU/AMVzdrecEZrb+TdnC5/T3GhoaF8mhnNe3yIqfaYUBfwtLl8HQzeD7Jxg6cJvD9jZTgsZpdTjA0tL0m2QBu2C1PI0k7H6TjF+tWrVelvoq+1qyEzlQN4gd8kfKt0d2a0jMPfO/DpAHyBWGiNa8Gd30ENE9NOH/A8zy9hDtPOCf61QVUyjfezfVb/mFwLrVgaKJkxOb2pUcvGMCiJmPsJAAD//1GtasgbAQAA","verification":{}},"mode":320}]},"systemd":{"units":[{"contents":"[Unit]\\nRequires=network-online.target\\nAfter=network-online.target\\n[Service]\\nType=simple\\nExecStart=/opt/installer\\n[Install]\\nWantedBy=multi-user.target\\n","enabled":true,"name":"installer.service"}]}}';
    const parsed = JSON.parse(expected) as Record<string, unknown>;
    const file = (parsed.storage as { files: Array<Record<string, unknown>> }).files[0]!;
    // The source file lists fields in its own order and without the empty objects.
    const source = {
      ignition: { version: "3.4.0" },
      passwd: parsed.passwd,
      storage: { files: [{ path: file.path, contents: { compression: "gzip", source: (file.contents as { source: string }).source }, mode: 320 }] },
      systemd: parsed.systemd,
    };
    expect(canonical(JSON.stringify(source, null, 2))).toBe(expected);
    expect(canonical(expected)).toBe(expected);
  });
});

describe("Go encoding/json behaviour", () => {
  test("<, >, & and U+2028/U+2029 are escaped as Go does; other text is kept raw", () => {
    const out = canonical(
      JSON.stringify({
        ignition: { version: "3.0.0" },
        storage: { files: [{ path: "/etc/motd", contents: { source: "https://example.com/a?x=1&y=<2>" } }] },
        systemd: { units: [{ name: "a.service", contents: "[Service]\nExecStart=/bin/echo \u2028é\u2029 \u007f\t\"q\"\\\n" }] },
      }),
    );
    expect(out).toContain('"source":"https://example.com/a?x=1\\u0026y=\\u003c2\\u003e"');
    expect(out).toContain('"contents":"[Service]\\nExecStart=/bin/echo \\u2028é\\u2029 \u007f\\t\\"q\\"\\\\\\n"');
  });

  test("keys match case-insensitively, the last duplicate wins, null unsets, unknown keys are dropped", () => {
    const text =
      '{"Ignition":{"Version":"3.3.0"},"bogus":{"a":1},"passwd":{"users":[{"name":"a","uid":1,"UID":2,"shell":null}]},' +
      '"PASSWD":{"groups":[{"name":"g"}]},"systemd":null}';
    expect(canonical(text)).toBe(HEAD + ',"kernelArguments":{},"passwd":{"groups":[{"name":"g"}],"users":[{"name":"a","uid":2}]},"storage":{},"systemd":{}}');
  });

  test("3.0.0 files, directories, links and units translate to 3.4.0 in struct order", () => {
    const text = JSON.stringify({
      ignition: { version: "3.0.0", config: { merge: [{ source: "https://example.com/extra.ign" }] } },
      storage: {
        links: [{ path: "/etc/localtime", target: "../usr/share/zoneinfo/UTC", overwrite: true, hard: false }],
        directories: [{ mode: 493, path: "/var/lib/app", user: { name: "core" } }],
        files: [{ mode: 420, contents: { source: "data:,hello", verification: {} }, path: "/etc/hello", overwrite: true, group: { id: 0 } }],
      },
      systemd: { units: [{ name: "app.service", dropins: [{ name: "10-env.conf", contents: "[Service]\nEnvironment=A=1\n" }], mask: false }] },
    });
    expect(canonical(text)).toBe(
      '{"ignition":{"config":{"merge":[{"source":"https://example.com/extra.ign","verification":{}}],"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},"kernelArguments":{},"passwd":{},' +
        '"storage":{"directories":[{"group":{},"path":"/var/lib/app","user":{"name":"core"},"mode":493}],' +
        '"files":[{"group":{"id":0},"overwrite":true,"path":"/etc/hello","user":{},"contents":{"source":"data:,hello","verification":{}},"mode":420}],' +
        '"links":[{"group":{},"overwrite":true,"path":"/etc/localtime","user":{},"hard":false,"target":"../usr/share/zoneinfo/UTC"}]},' +
        '"systemd":{"units":[{"dropins":[{"contents":"[Service]\\nEnvironment=A=1\\n","name":"10-env.conf"}],"mask":false,"name":"app.service"}]}}',
    );
  });

  test("fields that were required strings before 3.3 are written even when absent", () => {
    const text = JSON.stringify({
      ignition: { version: "3.2.0" },
      storage: {
        raid: [{ name: "md0", level: "raid1", devices: ["/dev/sda", "/dev/sdb"] }],
        luks: [{ name: "data", device: "/dev/md/md0", clevis: { custom: { pin: "tpm2", config: "{}" } } }],
      },
    });
    const out = canonical(text);
    expect(out).toContain('"luks":[{"clevis":{"custom":{"config":"{}","pin":"tpm2"}},"device":"/dev/md/md0","keyFile":{"verification":{}},"name":"data"}]');
    expect(out).toContain('"raid":[{"devices":["/dev/sda","/dev/sdb"],"level":"raid1","name":"md0"}]');
  });

  test("disks, partitions and filesystems keep Go's field order; partition number 0 is omitted", () => {
    const text = JSON.stringify({
      ignition: { version: "3.4.0" },
      storage: {
        disks: [{ wipeTable: true, device: "/dev/vdb", partitions: [{ label: "data", number: 0, sizeMiB: 0, startMiB: 0, typeGuid: "0FC63DAF-8483-4772-8E79-3D69D8477DE4" }] }],
        filesystems: [{ device: "/dev/disk/by-partlabel/data", format: "xfs", path: "/var/data", wipeFilesystem: true, label: "data", mountOptions: ["noatime"] }],
      },
      kernelArguments: { shouldNotExist: ["quiet"], shouldExist: ["console=ttyS0"] },
    });
    expect(canonical(text)).toBe(
      HEAD +
        ',"kernelArguments":{"shouldExist":["console=ttyS0"],"shouldNotExist":["quiet"]},"passwd":{},"storage":{"disks":[{"device":"/dev/vdb","partitions":[{"label":"data","sizeMiB":0,"startMiB":0,"typeGuid":"0FC63DAF-8483-4772-8E79-3D69D8477DE4"}],"wipeTable":true}],' +
        '"filesystems":[{"device":"/dev/disk/by-partlabel/data","format":"xfs","label":"data","mountOptions":["noatime"],"path":"/var/data","wipeFilesystem":true}]},"systemd":{}}',
    );
  });

  test("3.5.0 stays 3.5.0, with the LUKS cex object", () => {
    const text = JSON.stringify({
      ignition: { version: "3.5.0" },
      storage: { luks: [{ name: "root", device: "/dev/disk/by-partlabel/root", clevis: { tpm2: true }, discard: true }] },
    });
    expect(canonical(text)).toBe(
      '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.5.0"},"kernelArguments":{},"passwd":{},' +
        '"storage":{"luks":[{"cex":{},"clevis":{"custom":{},"tpm2":true},"device":"/dev/disk/by-partlabel/root","discard":true,"keyFile":{"verification":{}},"name":"root"}]},"systemd":{}}',
    );
  });
});

describe("invalid raw Ignition is an NB_IGNITION error naming the file and the place", () => {
  const v = (version: string, rest = ""): string => `{"ignition":{"version":"${version}"}${rest}}`;

  test("JSON syntax errors, with line and column", () => {
    expectFailure('{\n  "ignition": {"version": "3.4.0"},\n  oops\n}', /^ignition\/bad\.ign:3:3: invalid character 'o' looking for beginning of object key string$/);
    expectFailure("", /not a config \(empty\)/);
    expectFailure('{"ignition":{"version":"3.4.0"}} trailing', /invalid character 't' after top-level value/);
    expectFailure('\ufeff{"ignition":{"version":"3.4.0"}}', /invalid character/);
    expectFailure('{"ignition":{"version":"3.4.0"}', /unexpected end of JSON input/);
  });

  test("spec 2.x, newer, experimental and missing versions", () => {
    expectFailure(v("2.2.0"), /ignition\.version: unsupported config version "2\.2\.0"/);
    expectFailure(v("3.6.0"), /unsupported config version "3\.6\.0"/);
    expectFailure(v("3.4.0-experimental"), /unsupported config version/);
    expectFailure('{"passwd":{}}', /ignition\.version: invalid config version "" \(couldn't parse\)/);
  });

  test("duplicate paths across files, directories and links", () => {
    expectFailure(
      v("3.4.0", ',"storage":{"files":[{"path":"/etc/a"},{"path":"/etc/hosts"},{"path":"/etc/hosts"}]}'),
      /^ignition\/bad\.ign: storage\.files\[2\]\.path: duplicate path \/etc\/hosts$/,
    );
    expectFailure(v("3.1.0", ',"storage":{"directories":[{"path":"/x"}],"links":[{"path":"/x","target":"/y"}]}'), /storage\.links\[0\]\.path: duplicate path \/x/);
    expectFailure(v("3.4.0", ',"systemd":{"units":[{"name":"a.service"},{"name":"a.service"}]}'), /systemd\.units\[1\]: duplicate entry defined/);
  });

  test("a multi-line document's errors name the line", () => {
    const pretty = JSON.stringify({ ignition: { version: "3.4.0" }, storage: { files: [{ path: "/a" }, { path: "/a" }] } }, null, 2);
    expectFailure(pretty, /^ignition\/bad\.ign:11: storage\.files\[1\]\.path: duplicate path \/a$/);
    expectFailure(pretty.replace('"/a"\n', '"a"\n'), /^ignition\/bad\.ign:8: storage\.files\[0\]\.path: path not absolute$/);
  });

  test("relative and unclean paths, bad data URLs, bad unit names and contents", () => {
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"etc/x"}]}'), /storage\.files\[0\]\.path: path not absolute/);
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/etc/../x"}]}'), /path is not fully simplified/);
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/x","contents":{"source":"data:,a<b"}}]}'), /storage\.files\[0\]\.contents\.source: invalid data character/);
    expectFailure(v("3.4.0", ',"systemd":{"units":[{"name":"bad"}]}'), /systemd\.units\[0\]\.name: invalid systemd unit extension/);
    expectFailure(v("3.4.0", ',"systemd":{"units":[{"name":"a.service","contents":"[Unit]\\nDescription\\n"}]}'), /unexpected newline encountered while parsing option name/);
    expectFailure(v("3.4.0", ',"systemd":{"units":[{"name":"a.service","dropins":[{"name":"x.txt"}]}]}'), /dropins\[0\]\.name: invalid systemd drop-in extension/);
  });

  test("wrong JSON types, hashes and modes", () => {
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/x","mode":420.0}]}'), /storage\.files\[0\]\.mode: cannot unmarshal number 420\.0/);
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/x","mode":"0644"}]}'), /cannot unmarshal string/);
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/x","mode":4096}]}'), /illegal file mode/);
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/x","contents":{"source":"https://e/x","verification":{"hash":"sha256-abc"}}}]}'), /incorrect size for hash sum/);
    expectFailure(v("3.4.0", ',"storage":{"files":[{"path":"/x","overwrite":true}]}'), /overwrite must be false if source is unspecified/);
  });

  test("3.5.0 LUKS cex excludes clevis and key files", () => {
    const luks = (extra: string): string =>
      v("3.5.0", `,"storage":{"luks":[{"name":"r","device":"/dev/dasda1","cex":{"enabled":true}${extra}}]}`);
    expectFailure(luks(',"clevis":{"tpm2":true}'), /storage\.luks\[0\]\.cex: cannot use cex with clevis/);
    expectFailure(luks(',"keyFile":{"source":"data:,k"}'), /cannot use key file with cex/);
    expect(canonical(luks(""))).toContain('"luks":[{"cex":{"enabled":true},"clevis":{"custom":{}},"device":"/dev/dasda1","keyFile":{"verification":{}},"name":"r"}]');
  });

  test("rules of the declared version and of the served 3.4.0 both apply", () => {
    expectFailure(v("3.1.0", ',"storage":{"files":[{"path":"/f","contents":{"source":"gs://bucket/f"}}]}'), /contents\.source: invalid url scheme/);
    expect(canonical(v("3.2.0", ',"storage":{"files":[{"path":"/f","contents":{"source":"gs://bucket/f"}}]}'))).toContain('"source":"gs://bucket/f"');
    expectFailure(v("3.2.0", ',"storage":{"filesystems":[{"device":"/dev/vdb","format":"none"}]}'), /format: invalid filesystem format/);
    expect(canonical(v("3.3.0", ',"storage":{"filesystems":[{"device":"/dev/vdb","format":"none"}]}'))).toContain('"format":"none"');
    // 3.2 did not check link targets, but the served 3.4.0 config would be refused by Ignition.
    expectFailure(v("3.2.0", ',"storage":{"links":[{"path":"/l"}]}'), /storage\.links\[0\]\.target: link target is required/);
  });

  test("fields newer than the declared version are dropped, not accepted", () => {
    // kernelArguments arrived in 3.3.0; in a 3.2.0 config it is an unknown key.
    expect(canonical(v("3.2.0", ',"kernelArguments":{"shouldExist":["a"]}'))).toBe(
      HEAD + ',"kernelArguments":{},"passwd":{},"storage":{},"systemd":{}}',
    );
  });

  test("pathological nesting is refused, not a crash", () => {
    expectFailure(v("3.4.0", `,"x":${"[".repeat(50_000)}${"]".repeat(50_000)}`), /exceeded max nesting depth/);
  });

  test("documents over the size limit are refused before parsing", () => {
    const huge = v("3.4.0", `,"x":"${"a".repeat(MAX_IGNITION_BYTES)}"`);
    expectFailure(huge, /larger than \d+ bytes/);
  });
});
