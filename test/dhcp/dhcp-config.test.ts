import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDhcpConfigArgs } from "../../server/cli/dhcp-config.js";
import { DHCP_FORMATS } from "../../server/dhcp/formats.js";
import { DhcpInputError } from "../../server/dhcp/input.js";
import { GOLDEN_CASES } from "./cases.js";
import { applyUciCommands, openwrtDnsmasqLines } from "./openwrt-uci.js";

const goldenDir = join(import.meta.dirname, "golden");
const scratch = mkdtempSync(join(tmpdir(), "netboot-dhcp-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function render(format: string, argv: string[]): string {
  const parsed = parseDhcpConfigArgs(["--format", format, ...argv]);
  if (parsed === "help") throw new Error("unexpected help");
  return DHCP_FORMATS[parsed.format].render(parsed.target);
}

describe("dhcp-config golden files", () => {
  for (const { name, format, argv } of GOLDEN_CASES) {
    it(`${name} matches test/dhcp/golden/${name}.txt`, () => {
      const file = join(goldenDir, `${name}.txt`);
      // After a deliberate change: UPDATE_GOLDEN=1 npx vitest run test/dhcp, then review the diff.
      if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, render(format, argv));
      expect(render(format, argv)).toBe(readFileSync(file, "utf8"));
    });
  }
});

describe("dhcp-config output accepted by the real DHCP servers", () => {
  it("dnsmasq --test accepts the dnsmasq snippets", () => {
    for (const { name, format, argv } of GOLDEN_CASES.filter((c) => c.format === "dnsmasq")) {
      const file = join(scratch, `${name}.conf`);
      writeFileSync(file, render(format, argv));
      // --test parses the whole file and exits non-zero on any syntax error.
      const out = execFileSync("dnsmasq", ["--test", "--conf-file=" + file], { encoding: "utf8", stdio: "pipe" });
      expect(out + "").not.toMatch(/error/i);
    }
  });

  it("dnsmasq --test accepts the dnsmasq lines inside the UniFi snippet", () => {
    const text = render("unifi", ["--server-url", "http://198.51.100.1:8080"]);
    const lines = text.split("\n").filter((line) => line && !line.startsWith("#"));
    expect(lines.some((line) => line.startsWith("dhcp-boot="))).toBe(true);
    const file = join(scratch, "unifi.conf");
    writeFileSync(file, lines.join("\n") + "\n");
    execFileSync("dnsmasq", ["--test", "--conf-file=" + file], { stdio: "pipe" });
  });

  it("kea-dhcp4 -t accepts the Kea configs", () => {
    for (const { name, format, argv } of GOLDEN_CASES.filter((c) => c.format === "kea")) {
      const file = join(scratch, `${name}.json`);
      writeFileSync(file, render(format, argv));
      execFileSync("kea-dhcp4", ["-t", file], { stdio: "pipe" });
    }
  });

  it("kea-dhcp4 -t rejects a broken class test, so the check above can fail", () => {
    const broken = render("kea", ["--server-url", "http://198.51.100.1:8080"]).replace("option[77].hex ==", "option[77].hex ===");
    const file = join(scratch, "broken.json");
    writeFileSync(file, broken);
    expect(() => execFileSync("kea-dhcp4", ["-t", file], { stdio: "pipe" })).toThrow();
  });
});

describe("dhcp-config content", () => {
  const url = "http://198.51.100.1:8080";
  for (const format of Object.keys(DHCP_FORMATS)) {
    it(`${format}: names both boot URLs and the HTTPClient echo`, () => {
      const text = render(format, ["--server-url", url]);
      expect(text).toContain(`${url}/assets/ipxe.efi`);
      expect(text).toContain(`${url}/boot.ipxe`);
      if (format !== "unifi") expect(text).toMatch(/60.{0,40}HTTPClient|vendor-class-identifier/);
    });
  }

  it("keeps a path prefix in the server URL and drops a trailing slash", () => {
    const text = render("dnsmasq", ["--server-url", "http://198.51.100.1:8080/boot/"]);
    expect(text).toContain("http://198.51.100.1:8080/boot/boot.ipxe\n");
    expect(text).toContain("http://198.51.100.1:8080/boot/assets/ipxe.efi\n");
  });
});

describe("dhcp-config input errors", () => {
  const bad: [string, string[], RegExp][] = [
    ["missing format", ["--server-url", "http://h:1"], /--format is required/],
    ["unknown format", ["--format", "isc", "--server-url", "http://h:1"], /unknown --format/],
    ["missing url", ["--format", "dnsmasq"], /--server-url is required/],
    ["not a url", ["--format", "dnsmasq", "--server-url", "198.51.100.1:8080"], /http/],
    ["tftp url", ["--format", "dnsmasq", "--server-url", "tftp://198.51.100.1/"], /must be http/],
    ["query in url", ["--format", "dnsmasq", "--server-url", "http://h:1/?a=b"], /query/],
    ["bad range", ["--format", "dnsmasq", "--server-url", "http://h:1", "--range", "192.0.2.1"], /START,END/],
    ["reversed range", ["--format", "dnsmasq", "--server-url", "http://h:1", "--range", "192.0.2.9,192.0.2.1"], /starts after/],
    ["bad interface", ["--format", "dnsmasq", "--server-url", "http://h:1", "--interface", "lan 0"], /interface name/],
    ["range for openwrt", ["--format", "openwrt", "--server-url", "http://h:1", "--range", "192.0.2.1,192.0.2.9"], /does not apply/],
    ["kea range without subnet", ["--format", "kea", "--server-url", "http://h:1", "--range", "192.0.2.1,192.0.2.9"], /--subnet/],
    ["range outside subnet", ["--format", "kea", "--server-url", "http://h:1", "--range", "192.0.2.1,192.0.3.9", "--subnet", "192.0.2.0/24"], /not inside/],
    ["subnet with host bits", ["--format", "kea", "--server-url", "http://h:1", "--subnet", "192.0.2.1/24"], /host bits/],
    ["unknown flag", ["--format", "kea", "--server-url", "http://h:1", "--tftp"], /flag provided but not defined: -tftp/],
  ];
  for (const [label, argv, message] of bad) {
    it(label, () => {
      expect(() => parseDhcpConfigArgs(argv)).toThrow(DhcpInputError);
      expect(() => parseDhcpConfigArgs(argv)).toThrow(message);
    });
  }
});

describe("dhcp-config OpenWrt commands, as OpenWrt's dnsmasq init script applies them", () => {
  const text = render("openwrt", ["--server-url", "http://198.51.100.1:8080"]);
  const lines = openwrtDnsmasqLines(applyUciCommands(text));

  it("produce the same class matching and answers as the dnsmasq format", () => {
    expect(lines.sort()).toEqual(
      [
        "dhcp-vendorclass=set:netboot_http,HTTPClient",
        "dhcp-userclass=set:netboot_ipxe,iPXE",
        "dhcp-option-force=tag:netboot_http,60,HTTPClient",
        "dhcp-option=tag:netboot_ipxe,encap:175,176,1",
        "dhcp-boot=tag:netboot_http,http://198.51.100.1:8080/assets/ipxe.efi",
        "dhcp-boot=tag:netboot_ipxe,http://198.51.100.1:8080/boot.ipxe",
      ].sort(),
    );
  });

  it("are accepted by dnsmasq --test", () => {
    const file = join(scratch, "openwrt.conf");
    writeFileSync(file, lines.join("\n") + "\n");
    execFileSync("dnsmasq", ["--test", "--conf-file=" + file], { stdio: "pipe" });
  });
});
