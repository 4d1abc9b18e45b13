/**
 * Facts the guides state that the code decides: the addresses of the example
 * network (one tunnel, one boot LAN, throughout), the chart defaults in the
 * Kubernetes guide's values table, and the severity `netboot validate` gives
 * identical selectors.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { validateDataDir } from "../../server/validate/index.js";
import { parseCidr } from "../../server/wireguard/cidr.js";
import { docCommands, REPO_ROOT } from "./commands.js";

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), "utf8");

/** Values of `--name X` / `--name=X` in a documented command line. */
function flagValues(argv: readonly string[], name: string): string[] {
  const values: string[] = [];
  argv.forEach((arg, i) => {
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(arg);
    if (m?.[1] !== name) return;
    const value = m[2] ?? argv[i + 1];
    if (value !== undefined) values.push(value);
  });
  return values;
}

const toInt = (ip: string) => ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
const inside = (ip: string, cidr: string) => {
  const { network, prefix } = parseCidr(cidr);
  const size = 2 ** (32 - prefix);
  return toInt(ip) >= network && toInt(ip) < network + size;
};
const isIpv4 = (text: string) => /^\d+\.\d+\.\d+\.\d+$/.test(text);
const chartValues = yaml.load(read("chart/values.yaml")) as { wireguard: { tunnel: string } };
/** The guides' tunnel is the chart's default one: what a user who follows them gets. */
const TUNNEL = chartValues.wireguard.tunnel;
const SERVER = `${TUNNEL.split(".").slice(0, 3).join(".")}.1`;

describe("the example network is the same in every guide", () => {
  // The e2e README describes the test's own topology, not the example network.
  const guides = docCommands().filter((c) => !c.where.startsWith("test/"));
  const tunnels = guides.filter((c) => c.argv[0] === "wireguard" && c.argv[1] === "init").flatMap((c) => flagValues(c.argv, "tunnel")).filter((t) => t.includes("/") && /\d/.test(t));
  const lans = guides.filter((c) => c.argv[0] === "wireguard").flatMap((c) => flagValues(c.argv, "lan")).filter((t) => /^\d/.test(t));
  const dhcp = guides.filter((c) => c.argv[0] === "dhcp-config");

  it("one tunnel, the chart's default, and one boot LAN", () => {
    for (const tunnel of tunnels) expect(tunnel).toBe(TUNNEL);
    for (const file of ["docs/homelab-router.md", "docs/wireguard.md", "docs/kubernetes.md"]) expect(read(file), file).toContain(`\`${TUNNEL}\``);
    expect(new Set(lans)).toEqual(new Set(["198.51.100.0/24"]));
  });

  it("DHCP hands out boot LAN addresses and points at the server's tunnel address", () => {
    const server = SERVER;
    const hosts = dhcp.flatMap((c) => flagValues(c.argv, "server-url")).flatMap((u) => /^http:\/\/(\d+\.\d+\.\d+\.\d+)[:/]/.exec(u)?.[1] ?? []);
    expect(hosts.length).toBeGreaterThan(3);
    for (const host of hosts) expect(host).toBe(server);
    const pools = dhcp.flatMap((c) => [...flagValues(c.argv, "range").flatMap((r) => r.split(/[,-]/)), ...flagValues(c.argv, "subnet").map((s) => s.split("/")[0]!)]);
    expect(pools.length).toBeGreaterThan(3);
    for (const ip of pools.filter(isIpv4)) expect(inside(ip, lans[0]!), ip).toBe(true);
  });

  it("every server URL in the guides' prose is the tunnel address too", () => {
    const server = SERVER;
    for (const file of ["docs/dhcp.md", "docs/wireguard.md", "docs/homelab-router.md", "docs/kubernetes.md"]) {
      for (const m of read(file).matchAll(/http:\/\/(\d+\.\d+\.\d+\.\d+):8080/g)) expect(m[1], `${file}: ${m[0]}`).toBe(server);
    }
  });
});

describe("the Kubernetes guide's values table", () => {
  const values = yaml.load(read("chart/values.yaml")) as Record<string, unknown>;
  const at = (key: string) => key.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], values);
  // The table under "## Values worth knowing" (other tables, such as the Role's, come before it).
  const valuesSection = read("docs/kubernetes.md").split(/^## Values worth knowing$/m)[1]!.split(/^## /m)[0]!;
  const rows = [...valuesSection.matchAll(/^\| `([^`]+)`(?: \/ `([^`]+)`)? \| ([^|]+) \|/gm)];

  it("shows each simple default as chart/values.yaml has it", () => {
    const checked = rows.filter((r) => r[2] === undefined && /^`[^`]+`$/.test(r[3]!.trim()));
    expect(checked.length).toBeGreaterThan(4);
    for (const [, key, , shown] of checked) expect(shown!.trim(), key).toBe(`\`${String(at(key!))}\``);
  });

  it("shows the probes' paths", () => {
    const probes = rows.find((r) => r[1] === "livenessProbe" && r[2] === "readinessProbe");
    expect(probes?.[3]).toContain(`\`${String(at("livenessProbe.path"))}\`, \`${String(at("readinessProbe.path"))}\``);
  });
});

describe("identical selectors, as the guides describe them", () => {
  it("are an error that makes validate exit 1", async () => {
    // test/fixtures/planted holds groups/same-1.json and groups/same-2.json with one selector.
    const report = await validateDataDir(path.join(REPO_ROOT, "test/fixtures/planted"));
    const problem = report.problems.find((p) => p.file === "groups/same-2.json" && p.reason.startsWith("identical selector"));
    expect(problem?.severity).toBe("error");
    expect(read("docs/operations.md")).toMatch(/\| two groups with identical selectors[^|]*\| error \|/);
    expect(read("docs/matchbox-migration.md")).toMatch(/identical selectors[^.]*\.[^.]*`netboot validate` reports[^.]*as an error[^.]*exits 1/s);
  });
});
