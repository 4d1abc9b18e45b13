/** The command line, for everything that needs no `wg` binary (key generation is covered by the namespace suite). */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeStateDir } from "../../server/wireguard/state-dir.js";
import { addPeer } from "../../server/wireguard/state.js";
import { runWireguardCli, SERVER_PRIVATE, serverState, testKey } from "./fixtures.js";

let root: string;
let state: string;
let out: string;
let err: string;

async function run(...argv: string[]): Promise<number> {
  let code: number;
  ({ code, out, err } = await runWireguardCli(argv));
  return code;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "netboot-wg-cli-"));
  state = join(root, "state");
  const withPeers = addPeer(
    addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24"] }).state,
    { name: "lab", publicKey: testKey("lab"), lan: ["203.0.113.0/24"] },
  ).state;
  await writeStateDir(state, withPeers);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("netboot wireguard", () => {
  it("prints usage for no command and exits 2 for an unknown one", async () => {
    expect(await run()).toBe(0);
    expect(out).toContain("netboot wireguard peer add NAME");
    expect(await run("peer", "rename")).toBe(2);
    expect(err).toContain('unknown command "peer rename"');
  });

  it.each([
    [["peer", "add", "x", "--state", "S"], /--lan is required/],
    [["peer", "add", "x", "--state", "S", "--lan", "198.51.100.0/24", "--format", "pfsense"], /--format must be one of/],
    [["peer", "add", "x", "--state", "S", "--lan", "198.51.100.0/24", "--output", "secret"], /standard output carries the router's config/],
    [["peer", "add", "--state", "S", "--lan", "198.51.100.0/24"], /exactly one NAME/],
    [["init", "--state", "S", "--endpoint", "h:1"], /--tunnel is required/],
    [["init", "--state", "S", "--endpoint", "h:1", "--tunnel", "192.0.2.0/24", "--mtu", "big"], /--mtu must be a whole number/],
    [["up", "--state", "S", "--interface", "a-name-far-too-long"], /Linux interface name/],
    [["up", "--state", "S", "--interface", "wg0", "--bogus"], /flag provided but not defined: -bogus\n/],
  ])("%j is a usage error (exit 2)", async (argv, message) => {
    expect(await run(...argv)).toBe(2);
    expect(err).toMatch(message);
  });

  it("init refuses to overwrite a state directory", async () => {
    expect(await run("init", "--state", state, "--endpoint", "vpn.example.net:51820", "--tunnel", "192.0.2.0/24")).toBe(1);
    expect(err).toContain("already holds a WireGuard state");
  });

  it("peer list shows names, addresses and LANs, and never the private key", async () => {
    expect(await run("peer", "list", "--state", state)).toBe(0);
    expect(out.split("\n")[1]).toMatch(/^home\s+192\.0\.2\.2\s+198\.51\.100\.0\/24\s+/);
    expect(await run("peer", "list", "--state", state, "--json")).toBe(0);
    expect(JSON.parse(out).map((p: { name: string }) => p.name)).toEqual(["home", "lab"]);
    expect(out).not.toContain(SERVER_PRIVATE);
  });

  it("peer remove updates the state and writes the Secret and values for it", async () => {
    const secretFile = join(root, "secret.yaml");
    expect(await run("peer", "remove", "home", "--state", state, "--output", `secret=${secretFile}`, "--output", "values")).toBe(0);
    const values = yaml.load(out) as { wireguard: { existingSecret: string } };
    expect(values.wireguard.existingSecret).toBe("netboot-wireguard");
    expect(out).not.toContain(SERVER_PRIVATE);
    expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
    const secret = yaml.load(await readFile(secretFile, "utf8")) as { data: Record<string, string> };
    expect(JSON.parse(Buffer.from(secret.data["peers.json"]!, "base64").toString()).peers.map((p: { name: string }) => p.name)).toEqual(["lab"]);
    expect(await run("peer", "remove", "home", "--state", state)).toBe(1);
    expect(err).toContain('no peer named "home"');
  });
});
