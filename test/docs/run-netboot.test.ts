/**
 * The README's two ways to run `netboot` from a checkout after `npm ci`, run
 * as written: `npx netboot …` in the checkout, and `npm link` (into a scratch
 * prefix here, so this machine's global npm folder is left alone).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli, REPO_ROOT } from "../hardening/support/built-cli.js";
import { NETBOOT_VERSION } from "../../server/version.js";

const exec = promisify(execFile);
let prefix: string;

beforeAll(async () => {
  ensureBuiltCli();
  prefix = await mkdtemp(path.join(tmpdir(), "netboot-link-"));
}, 240_000);
afterAll(async () => {
  await rm(prefix, { recursive: true, force: true });
});

describe("running netboot from a checkout", () => {
  // npm 10 (Node 20 and 22) runs the package's build before it; npm 11 and later start it at once.
  it("npx netboot runs the checkout's command", { timeout: 240_000 }, async () => {
    const { stdout } = await exec("npx", ["netboot", "--help"], { cwd: REPO_ROOT, timeout: 230_000 });
    expect(stdout).toContain(`netboot ${NETBOOT_VERSION}: a Matchbox-compatible network boot server`);
  });

  it("npm link puts netboot on the PATH", async () => {
    // --ignore-scripts: dist/ is built already; `npm link` alone would build it again first.
    const env = { ...process.env, npm_config_prefix: prefix };
    await exec("npm", ["link", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: REPO_ROOT, env, timeout: 60_000 });
    const { stdout } = await exec("netboot", ["--version"], { env: { ...env, PATH: `${path.join(prefix, "bin")}:${process.env.PATH}` }, timeout: 30_000 });
    expect(stdout).toBe(`${NETBOOT_VERSION}\n`);
  });
});
