/**
 * What a newcomer sees when a command line or its surroundings are wrong: the
 * built `netboot`, run as a real process.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeStateDir } from "../../server/wireguard/state-dir.js";
import { ensureBuiltCli, runCli } from "../hardening/support/built-cli.js";
import { serverState } from "../wireguard/fixtures.js";

let cli: string;
let scratch: string;
beforeAll(async () => {
  cli = ensureBuiltCli();
  scratch = await mkdtemp(path.join(tmpdir(), "netboot-messages-"));
}, 240_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(cli, args, env);

/** A loopback port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("a mistyped flag or command", () => {
  it("serve: names the flag, suggests the right one and prints the usage", async () => {
    const { code, stderr } = await run(["serve", "-data-pth", "."]);
    expect(code).toBe(1);
    expect(stderr).toContain("flag provided but not defined: -data-pth (did you mean -data-path?)");
    expect(stderr).toContain("Usage: netboot serve [flags]");
    expect(stderr).toContain("MATCHBOX_DATA_PATH");
  });

  it.each([
    [["butane", "--grup", "node1", "ignition/fedora-coreos.bu"], "-grup (did you mean -group?)", "Usage: netboot butane"],
    [["machines", "--sever", "http://127.0.0.1:1"], "-sever (did you mean -server?)", "Usage: netboot machines"],
    [["explain", "--mca", "52:54:00:aa:bb:cc", "-data-path", "."], "-mca (did you mean -mac?)", "Usage: netboot explain"],
    [["dhcp-config", "--format", "kea", "--servr-url", "http://192.0.2.1:8080"], "-servr-url (did you mean -server-url?)", "Usage: netboot dhcp-config"],
    [["wireguard", "peer", "add", "home", "--state", "s", "--lna", "198.51.100.0/24"], "-lna (did you mean -lan?)", "netboot wireguard peer add NAME"],
  ])("%j: suggestion and usage, exit 2", async (argv, suggestion, usage) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toContain(`flag provided but not defined: ${suggestion}`);
    expect(stderr).toContain(usage);
  });

  it("a flag nothing resembles gets no guess", async () => {
    const { stderr } = await run(["validate", "--zzzzzz"]);
    expect(stderr).toContain("flag provided but not defined: -zzzzzz\n");
  });

  it("a string flag at the end without its value says so", async () => {
    const { code, stderr } = await run(["machines", "--server"]);
    expect(code).toBe(2);
    expect(stderr).toContain("flag needs an argument: -server");
  });

  it("commands and wireguard subcommands get a suggestion too", async () => {
    const command = await run(["machnes"]);
    expect(command.code).toBe(1);
    expect(command.stderr).toContain('unknown command "machnes" (did you mean "machines"?)');
    const sub = await run(["wireguard", "peer", "rmove", "home"]);
    expect(sub.code).toBe(2);
    expect(sub.stderr).toContain('unknown command "peer rmove" (did you mean "peer remove"?)');
  });
});

describe("netboot machines without a server", () => {
  it("names the URL, the reason and how to point it elsewhere", async () => {
    const port = await closedPort();
    const { code, stdout, stderr } = await run(["machines", "--server", `http://127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toContain(`cannot reach http://127.0.0.1:${port}/machines: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(stderr).toContain("--server URL");
    expect(stderr).not.toContain("fetch failed");
  });

  it("explain --server says the same", async () => {
    const port = await closedPort();
    const { code, stderr } = await run(["explain", "--server", `http://127.0.0.1:${port}`, "--mac", "52:54:00:aa:bb:cc"]);
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot reach http://127.0.0.1:${port}/explain: connect ECONNREFUSED`);
  });

  it("a --server that is not a URL is a usage error", async () => {
    const { code, stderr } = await run(["machines", "--server", "127.0.0.1:8080"]);
    expect(code).toBe(2);
    expect(stderr).toContain('--server "127.0.0.1:8080" is not an http:// or https:// URL');
  });
});

describe("netboot wireguard status where the interface is not", () => {
  it("says where to run it, with wg's own reason", async () => {
    const state = path.join(scratch, "wg-state");
    await writeStateDir(state, serverState());
    const { code, stderr } = await run(["wireguard", "status", "--state", state, "--interface", "nbnone0"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^netboot wireguard status: cannot read WireGuard interface nbnone0: Unable to access interface: .+\n/);
    expect(stderr).toContain("kubectl -n netboot exec deploy/netboot -c wireguard -- netboot wireguard status --interface nbnone0");
    expect(stderr).toContain("or as root on the host where `netboot wireguard up` created it");
    expect(stderr).not.toContain("Command failed");
  });

  it("without wg installed, says which package has it", async () => {
    const state = path.join(scratch, "wg-state-2");
    await writeStateDir(state, serverState());
    const { code, stderr } = await run(["wireguard", "status", "--state", state, "--interface", "wg0"], { PATH: path.join(scratch, "empty-bin") });
    expect(code).toBe(1);
    expect(stderr).toContain("cannot read WireGuard interface wg0: the wg command is not installed (Debian package wireguard-tools)");
  });
});
