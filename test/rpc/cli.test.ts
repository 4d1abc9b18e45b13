import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuiltCli } from "../hardening/support/built-cli.js";
import { spawnServer, type ChildServer } from "../hardening/support/child-server.js";
import { makeDataDir, removeDir } from "../support/data-dir.js";

let cli: string;
beforeAll(() => {
  cli = ensureBuiltCli();
}, 240_000);

function run(args: string[], timeout = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { encoding: "utf8", timeout, env: { PATH: process.env.PATH } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe("netboot tls init and netboot rpc, against netboot serve -rpc-address", () => {
  const work = mkdtempSync(path.join(tmpdir(), "netboot-rpc-cli-"));
  const pki = path.join(work, "pki");
  let dataDir: string;
  let server: ChildServer | undefined;
  let tlsFlags: string[];

  afterAll(() => {
    server?.stop();
    removeDir(work);
    if (dataDir) removeDir(dataDir);
  });

  it("makes a CA, a server certificate with the names clients dial and a client certificate; keys 0600; never overwrites by accident", async () => {
    expect((await run(["tls", "init", pki])).stderr).toContain("--server-san is required");
    const made = await run(["tls", "init", pki, "--server-san", "localhost", "--server-san", "127.0.0.1,netboot.example.internal"]);
    expect(made.code).toBe(0);
    const ca = new X509Certificate(readFileSync(path.join(pki, "ca.crt")));
    const serverCert = new X509Certificate(readFileSync(path.join(pki, "server.crt")));
    const clientCert = new X509Certificate(readFileSync(path.join(pki, "client.crt")));
    expect(ca.ca).toBe(true);
    expect(serverCert.verify(ca.publicKey) && clientCert.verify(ca.publicKey)).toBe(true);
    expect(serverCert.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, DNS:netboot.example.internal");
    expect(serverCert.checkHost("netboot.example.internal")).toBe("netboot.example.internal");
    expect(clientCert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    for (const key of ["ca.key", "server.key", "client.key"]) expect(statSync(path.join(pki, key)).mode & 0o777).toBe(0o600);
    const again = await run(["tls", "init", pki, "--server-san", "localhost"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("already holds ca.crt");
  });

  it("reads its flags as every netboot command does: one or two dashes, =value, -h, and a hint for a misspelt flag", async () => {
    const other = path.join(work, "pki-flags");
    const made = await run(["tls", "init", other, "-server-san=localhost", "-days", "30", "-client-name", "ops"]);
    expect(made.code).toBe(0);
    const clientCert = new X509Certificate(readFileSync(path.join(other, "client.crt")));
    expect(clientCert.subject).toContain("CN=ops");
    const days = (Date.parse(clientCert.validTo) - Date.parse(clientCert.validFrom)) / 86_400_000;
    expect(Math.round(days)).toBe(30);
    expect((await run(["tls", "init", other, "-server-san", "localhost", "-force=true"])).code).toBe(0);
    const help = await run(["tls", "-h"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("-server-san NAME");
    const misspelt = await run(["tls", "init", other, "-server-sans", "localhost"]);
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain("flag provided but not defined: -server-sans (did you mean -server-san?)");
    expect((await run(["tls", "init", other, "-server-san", "localhost", "-force", "-days", "0"])).stderr).toContain('--days must be a whole number of days, got "0"');
  });

  it("fails start-up, exit 1, when a TLS file is missing or the key does not fit", async () => {
    const data = makeDataDir({});
    try {
      const missing = await run(["serve", "-data-path", data, "-assets-path=", "-address", "127.0.0.1:0", "-rpc-address", "127.0.0.1:0", "-cert-file", path.join(pki, "nope.crt")]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`Provide a valid TLS server certificate with -cert-file: ${path.join(pki, "nope.crt")} is not a readable file`);
      const mismatch = await run([
        "serve", "-data-path", data, "-assets-path=", "-address", "127.0.0.1:0", "-rpc-address", "127.0.0.1:0",
        "-cert-file", path.join(pki, "server.crt"), "-key-file", path.join(pki, "client.key"), "-ca-file", path.join(pki, "ca.crt"),
      ]);
      expect(mismatch.code).toBe(1);
      expect(mismatch.stderr).toContain(`-key-file: ${path.join(pki, "client.key")} does not fit ${path.join(pki, "server.crt")}`);
      expect(mismatch.stderr).not.toContain("PRIVATE KEY");
    } finally {
      removeDir(data);
    }
  });

  it("puts, gets, lists, selects and deletes with bootcmd's commands and flags, the HTTP side serving each change at once", async () => {
    dataDir = makeDataDir({});
    server = await spawnServer(cli, [
      "-data-path", dataDir, "-assets-path=", "-rpc-address", "127.0.0.1:0",
      "--cert-file", path.join(pki, "server.crt"), "--key-file=" + path.join(pki, "server.key"), "-ca-file", path.join(pki, "ca.crt"),
    ]);
    const listening = server.logs.find((l) => l.msg === "listening")!;
    const port = String(listening.rpcAddress).split(":").pop();
    tlsFlags = ["--endpoints", `localhost:${port}`, "--ca-file", path.join(pki, "ca.crt"), "-cert-file", path.join(pki, "client.crt"), "-key-file=" + path.join(pki, "client.key")];
    const rpc = (...args: string[]) => run(["rpc", ...args, ...tlsFlags]);

    writeFileSync(path.join(work, "node1.yaml"), "id: node1\nprofile: worker\nselector:\n  mac: 52-54-00-AA-BB-CC\nmetadata:\n  hostname: node1\n");
    writeFileSync(path.join(work, "worker.json"), JSON.stringify({ id: "worker", ignition_id: "worker.ign", boot: { kernel: "/assets/kernel", args: ["a=b&c"] } }));
    writeFileSync(path.join(work, "worker.ign"), '{"ignition":{"version":"3.4.0"}}');
    for (const args of [
      ["group", "create", "-f", path.join(work, "node1.yaml")],
      ["profile", "put", "--filename", path.join(work, "worker.json")],
      ["ignition", "create", "-f", path.join(work, "worker.ign")],
      ["generic", "put", "-f", path.join(work, "worker.ign"), "-name", "other/x.json"],
    ]) {
      const result = await rpc(...args);
      expect({ args, ...result }).toEqual({ args, code: 0, stdout: "", stderr: "" });
    }
    // bootcmd parses the group file and sends selectors normalised, as this client does.
    expect(readFileSync(path.join(dataDir, "groups/node1.json"), "utf8")).toBe(
      '{\n\t"id": "node1",\n\t"profile": "worker",\n\t"selector": {\n\t\t"mac": "52:54:00:aa:bb:cc"\n\t},\n\t"metadata": {\n\t\t"hostname": "node1"\n\t}\n}',
    );
    expect(readFileSync(path.join(dataDir, "generic/other/x.json"), "utf8")).toBe('{"ignition":{"version":"3.4.0"}}');
    const ipxe = await fetch(`${server.url}/ipxe?mac=52-54-00-aa-bb-cc`);
    expect(await ipxe.text()).toBe("#!ipxe\nkernel /assets/kernel a=b&c\nboot\n");

    expect((await rpc("group", "describe", "node1")).stdout).toBe(readFileSync(path.join(dataDir, "groups/node1.json"), "utf8") + "\n");
    expect((await rpc("ignition", "get", "worker.ign")).stdout).toBe('{"ignition":{"version":"3.4.0"}}');
    expect((await rpc("group", "list")).stdout).toBe("ID     NAME  PROFILE  SELECTOR\nnode1        worker   mac=52:54:00:aa:bb:cc\n");
    expect((await rpc("profile", "list")).stdout).toBe("ID      NAME  KERNEL          IGNITION    GENERIC\nworker        /assets/kernel  worker.ign  \n");
    expect((await rpc("select", "profile", "mac=52:54:00:aa:bb:cc")).stdout).toContain('"ignition_id": "worker.ign"');

    const noMatch = await rpc("select", "group", "mac=52:54:00:00:00:01");
    expect(noMatch).toMatchObject({ code: 1, stderr: "netboot rpc: NOT_FOUND: matchbox: No matching Group\n" });
    expect((await rpc("group", "delete", "node1")).code).toBe(0);
    expect((await fetch(`${server.url}/ipxe?mac=52-54-00-aa-bb-cc`)).status).toBe(404);
    const gone = await rpc("group", "get", "node1");
    expect(gone).toMatchObject({ code: 1, stderr: 'netboot rpc: UNKNOWN: no group "node1": no such file groups/node1.json\n' });
  });

  it("refuses a bad command line, and a server whose certificate does not chain to its CA file", async () => {
    expect((await run(["rpc", "group", "frob"])).stderr).toContain("group needs one of put, get, list, delete");
    expect((await run(["rpc", "--endpoints", "http://x:1", "group", "list"])).stderr).toContain('invalid endpoint "http://x:1": want HOST:PORT');
    const otherPki = path.join(work, "other-pki");
    expect((await run(["tls", "init", otherPki, "--server-san", "localhost"])).code).toBe(0);
    const untrusted = await run(["rpc", ...tlsFlags, "--ca-file", path.join(otherPki, "ca.crt"), "--timeout", "5s", "group", "list"]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^netboot rpc: UNAVAILABLE: /);
  });
});
