import { describe, expect, it, beforeAll } from "vitest";
import { ensureBuiltCli, REPO_ROOT, runCli } from "../hardening/support/built-cli.js";
import { spawnServer } from "../hardening/support/child-server.js";

let cli: string;
beforeAll(() => {
  cli = ensureBuiltCli();
}, 240_000);

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(cli, args, env);

describe("the netboot command", () => {
  it("prints its version and help, exit 0", async () => {
    const version = await run(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await run(["serve", "-help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("-data-path");
    expect(help.stdout).toContain("MATCHBOX_DATA_PATH");
    expect((await run(["--help"])).stdout).toContain("serve");
  });

  it("fails start-up clearly, exit 1", async () => {
    const missing = await run(["-data-path", "/nonexistent/netboot-data", "-assets-path="]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("A valid -data-path is required");
    const level = await run(["-data-path", REPO_ROOT, "-assets-path=", "-log-level", "loud"]);
    expect(level.code).toBe(1);
    expect(level.stderr).toContain("invalid -log-level");
    const unknown = await run(["serve", "-frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("flag provided but not defined: -frobnicate");
    expect((await run(["no-such-command"])).code).toBe(1);
  });

  it("serves with only Matchbox's flags and environment, no subcommand", async () => {
    const server = await spawnServer(cli, ["-data-path", REPO_ROOT, "-assets-path", `${REPO_ROOT}/assets`]);
    try {
      const res = await fetch(`${server.url}/ipxe?mac=52-54-00-aa-bb-cc`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("coreos.inst.install_dev=/dev/sda");
    } finally {
      server.stop();
    }
  });
});
