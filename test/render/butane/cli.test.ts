/** `netboot butane FILE`, run as a real process (through vite-node, so no build is needed). */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { expectIgnitionValid } from "../support/ignition-validate.js";

const ROOT = join(import.meta.dirname, "../../..");

function netboot(args: string[], stdin = ""): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, "node_modules/.bin/vite-node"), [join(ROOT, "server/cli/main.ts"), ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill(), 25_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

describe.concurrent("netboot butane", { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "netboot-butane-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("prints the served Ignition on stdout and warnings on stderr", async () => {
    const file = join(dir, "node.bu");
    writeFileSync(file, "variant: flatcar\nversion: 1.1.0\npasswd:\n  users:\n    - name: core\nbogus: 1\n");
    const { code, stdout, stderr } = await netboot(["butane", file]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},"kernelArguments":{},"passwd":{"users":[{"name":"core"}]},"storage":{},"systemd":{}}\n',
    );
    expectIgnitionValid(stdout.trim());
    expect(stderr).toBe(`warning: ${file}:6: bogus: unused key bogus\n`);
  });

  test("--strict turns warnings into a failure", async () => {
    const { code, stdout, stderr } = await netboot(["butane", "--strict", "-"], "variant: fcos\nversion: 1.5.0\nbogus: 1\n");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe("warning: <stdin>:3: bogus: unused key bogus\nerror: <stdin>: 1 warning in strict mode\n");
  });

  test("reads standard input with '-' and exits 1 with the reason on errors", async () => {
    const { code, stdout, stderr } = await netboot(["butane", "-"], "variant: fcos\nversion: 1.5.0\nstorage:\n  trees:\n    - local: site\n");
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr).toBe("error: <stdin>:5: storage.trees[0]: local file paths need a files directory, which netboot does not have; use inline contents or a source URL\n");
  });

  test("canonicalises raw Ignition by suffix; usage errors exit 2", async () => {
    const file = join(dir, "raw.ign");
    writeFileSync(file, '{"ignition":{"version":"3.2.0"},"storage":{"files":[{"path":"/a"},{"path":"/a"}]}}');
    const [bad, usage] = await Promise.all([netboot(["butane", file]), netboot(["butane"])]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe(`error: ${file}: storage.files[1].path: duplicate path /a\n`);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("FILE is required");
  });
});
