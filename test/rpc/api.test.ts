import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, removeDir } from "../support/data-dir.js";
import { makePki, startRpcTestServer, type Pki, type RpcTestServer } from "./support.js";

const MAC = "52:54:00:a1:9c:ae";
const IGNITION = '{"ignition":{"version":"3.4.0"},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["ssh-ed25519 AAAA test"]}]}}';

/** What Go's json.MarshalIndent(profile, "", "\t") writes for Terraform's profile (checked against Go in .ci/suites/70-grpc-go.sh). */
const PROFILE_FILE = [
  "{",
  '\t"id": "worker",',
  '\t"ignition_id": "worker.ign",',
  '\t"boot": {',
  '\t\t"kernel": "/assets/fedora-coreos/kernel",',
  '\t\t"initrd": [',
  '\t\t\t"--name main /assets/fedora-coreos/initramfs.img"',
  "\t\t],",
  '\t\t"args": [',
  '\t\t\t"initrd=main",',
  '\t\t\t"ignition.config.url=http://matchbox.example/ignition?uuid=${uuid}\\u0026mac=${mac:hexhyp}"',
  "\t\t]",
  "\t},",
  '\t"generic_id": "worker"',
  "}",
].join("\n");

const GROUP_FILE = [
  "{",
  '\t"id": "node1",',
  '\t"profile": "worker",',
  '\t"selector": {',
  '\t\t"mac": "52-54-00-A1-9C-AE",',
  '\t\t"os": "installed"',
  "\t},",
  '\t"metadata": {',
  '\t\t"hostname": "node1.example",',
  '\t\t"motd": "\\u003cwelcome\\u003e \\u0026 \\u2028"',
  "\t}",
  "}",
].join("\n");

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error("the call succeeded, but should have failed");
}

describe("gRPC API: Terraform's and bootcmd's calls over mutual TLS", () => {
  let pki: Pki;
  let s: RpcTestServer;
  beforeAll(async () => {
    pki = await makePki();
    s = await startRpcTestServer(pki, {
      files: {
        "groups/default.yaml": "id: default\nprofile: yaml-profile\nselector:\n  os: installed\n",
        "profiles/yaml-profile.yaml": "id: yaml-profile\nboot:\n  kernel: /assets/yaml-kernel\n",
      },
    });
  });
  afterAll(async () => {
    await s.close();
    removeDir(pki.dir);
  });

  it("creates a profile with raw Ignition and a generic template, served over HTTP at once, files as Matchbox writes them", async () => {
    const c = s.client();
    await c.call("Profiles", "ProfilePut", {
      profile: {
        id: "worker",
        ignition_id: "worker.ign",
        generic_id: "worker",
        boot: {
          kernel: "/assets/fedora-coreos/kernel",
          initrd: ["--name main /assets/fedora-coreos/initramfs.img"],
          args: ["initrd=main", "ignition.config.url=http://matchbox.example/ignition?uuid=${uuid}&mac=${mac:hexhyp}"],
        },
      },
    });
    await c.call("Ignition", "IgnitionPut", { name: "worker.ign", config: Buffer.from(IGNITION) });
    await c.call("Generic", "GenericPut", { name: "worker", config: Buffer.from("HOST={{.hostname}}\n") });
    await c.call("Groups", "GroupPut", {
      group: {
        id: "node1",
        profile: "worker",
        selector: { mac: "52-54-00-A1-9C-AE", os: "installed" },
        metadata: Buffer.from(JSON.stringify({ motd: "<welcome> & \u2028", hostname: "node1.example" })),
      },
    });

    // No wait: each call returned after the server loaded its file.
    const ipxe = await s.get(`/ipxe?mac=${MAC}&os=installed`);
    expect(ipxe.status).toBe(200);
    expect(ipxe.body).toContain("kernel /assets/fedora-coreos/kernel initrd=main ignition.config.url=http://matchbox.example/ignition?uuid=${uuid}&mac=${mac:hexhyp}");
    expect(ipxe.body).toContain("initrd --name main /assets/fedora-coreos/initramfs.img");
    const ignition = await s.get(`/ignition?mac=${MAC}&os=installed`);
    expect(ignition.status).toBe(200);
    expect(JSON.parse(ignition.body).passwd.users[0].sshAuthorizedKeys).toEqual(["ssh-ed25519 AAAA test"]);
    expect(await s.get(`/generic?mac=${MAC}&os=installed`)).toMatchObject({ status: 200, body: "HOST=node1.example\n" });

    expect(readFileSync(path.join(s.dataDir, "profiles/worker.json"), "utf8")).toBe(PROFILE_FILE);
    expect(readFileSync(path.join(s.dataDir, "groups/node1.json"), "utf8")).toBe(GROUP_FILE);
    expect(readFileSync(path.join(s.dataDir, "ignition/worker.ign"), "utf8")).toBe(IGNITION);
    for (const file of ["profiles/worker.json", "groups/node1.json", "ignition/worker.ign", "generic/worker"]) expect(mode(path.join(s.dataDir, file))).toBe(0o644);
    for (const folder of ["profiles", "ignition", "generic"]) expect(mode(path.join(s.dataDir, folder))).toBe(0o755);
    // No temporary file is left behind.
    for (const folder of ["groups", "profiles", "ignition", "generic"]) expect(readdirSync(path.join(s.dataDir, folder)).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("reads back what Terraform reads: the profile, its raw files, the group with MACs normalised and metadata as JSON", async () => {
    const c = s.client();
    const { profile } = await c.call<{ profile: Record<string, unknown> }>("Profiles", "ProfileGet", { id: "worker" });
    expect(profile).toMatchObject({ id: "worker", ignition_id: "worker.ign", generic_id: "worker", boot: { kernel: "/assets/fedora-coreos/kernel" } });
    const { config } = await c.call<{ config: Buffer }>("Ignition", "IgnitionGet", { name: "worker.ign" });
    expect(config.toString()).toBe(IGNITION);
    const { group } = await c.call<{ group: { selector: Record<string, string>; metadata: Buffer } }>("Groups", "GroupGet", { id: "node1" });
    expect(group.selector).toEqual({ mac: MAC, os: "installed" });
    expect(group.metadata.toString()).toBe('{"hostname":"node1.example","motd":"\\u003cwelcome\\u003e \\u0026 \\u2028"}');
    // A profile without boot is answered with an empty one (clients read boot.kernel).
    const yaml = await c.call<{ profile: { boot: unknown } }>("Profiles", "ProfileGet", { id: "yaml-profile" });
    expect(yaml.profile.boot).toEqual({ kernel: "/assets/yaml-kernel", initrd: [], args: [] });
  });

  it("lists every group and profile the HTTP side serves, JSON and YAML, in file order", async () => {
    const c = s.client();
    const groups = await c.call<{ groups: { id: string }[] }>("Groups", "GroupList", {});
    expect(groups.groups.map((g) => g.id)).toEqual(["default", "node1"]);
    const profiles = await c.call<{ profiles: { id: string }[] }>("Profiles", "ProfileList", {});
    expect(profiles.profiles.map((p) => p.id)).toEqual(["worker", "yaml-profile"]);
  });

  it("selects with the HTTP side's matcher; no match is NOT_FOUND with Matchbox's messages", async () => {
    const c = s.client();
    const best = await c.call<{ group: { id: string } }>("Select", "SelectGroup", { labels: { mac: MAC, os: "installed" } });
    expect(best.group.id).toBe("node1");
    // Labels are taken as given: a MAC in another spelling does not match, the default group does.
    const fallback = await c.call<{ group: { id: string } }>("Select", "SelectGroup", { labels: { mac: "52-54-00-A1-9C-AE", os: "installed" } });
    expect(fallback.group.id).toBe("default");
    const profile = await c.call<{ profile: { id: string } }>("Select", "SelectProfile", { labels: { mac: MAC, os: "installed" } });
    expect(profile.profile.id).toBe("worker");

    await c.call("Groups", "GroupPut", { group: { id: "dangling", profile: "missing", selector: { rack: "r9" } } });
    const noProfile = await failure(c.call("Select", "SelectProfile", { labels: { rack: "r9" } }));
    expect(noProfile.code).toBe(status.NOT_FOUND);
    expect(noProfile.details).toBe("matchbox: No matching Profile");
    await c.call("Groups", "GroupDelete", { id: "dangling" });
    // YAML files are the operator's: the API neither replaces nor deletes them.
    const yaml = await failure(c.call("Groups", "GroupDelete", { id: "default" }));
    expect(yaml.details).toBe("groups/default.yaml is YAML: the API deletes only the JSON files it writes");
  });

  it("refuses what Matchbox refuses, with UNKNOWN and a message that names no server path", async () => {
    const c = s.client();
    const cases: [string, string, Record<string, unknown>, string][] = [
      ["Groups", "GroupPut", { group: {} }, "Id is required"],
      ["Groups", "GroupPut", { group: { id: "x" } }, "Group requires a Profile"],
      ["Groups", "GroupPut", { group: { id: "x", profile: "p", metadata: Buffer.from("[1]") } }, "metadata must be a JSON object, not an array"],
      ["Groups", "GroupPut", { group: { id: "x", profile: "p", metadata: Buffer.from("{nope") } }, "metadata is not JSON: invalid character 'n' looking for beginning of object key string"],
      ["Groups", "GroupPut", { group: { id: "x", profile: "p", selector: { mac: "nope" } } }, "selector mac: address nope: invalid MAC address"],
      ["Profiles", "ProfilePut", { profile: {} }, "Id is required"],
      ["Profiles", "ProfilePut", {}, "Id is required"],
      ["Groups", "GroupGet", { id: "missing" }, 'no group "missing": no such file groups/missing.json'],
      ["Groups", "GroupDelete", { id: "missing" }, "cannot delete groups/missing.json: no such file"],
      ["Profiles", "ProfileGet", { id: "missing" }, 'no profile "missing": no such file profiles/missing.json'],
      ["Profiles", "ProfileDelete", { id: "missing" }, "cannot delete profiles/missing.json: no such file"],
      ["Ignition", "IgnitionGet", { name: "missing.ign" }, "no such file ignition/missing.ign"],
      ["Generic", "GenericDelete", { name: "missing" }, "cannot delete generic/missing: no such file"],
      ["Profiles", "ProfilePut", { profile: { id: "yaml-profile" } }, 'profiles/yaml-profile.yaml already defines "yaml-profile": the API writes only profiles/yaml-profile.json; remove or rename the YAML file first'],
    ];
    for (const [service, method, request, message] of cases) {
      const err = await failure(c.call(service as "Groups", method, request));
      expect({ method, code: err.code, details: err.details }).toEqual({ method, code: status.UNKNOWN, details: message });
      expect(err.details).not.toContain(s.dataDir);
    }
    expect(existsSync(path.join(s.dataDir, "groups/x.json"))).toBe(false);
  });

  it("refuses names that leave their folder, and writes nothing outside it", async () => {
    const c = s.client();
    const cases: [string, string, Record<string, unknown>, string][] = [
      ["Groups", "GroupPut", { group: { id: "../profiles/evil", profile: "p" } }, 'group id "../profiles/evil" leaves the groups/ folder'],
      ["Groups", "GroupPut", { group: { id: "sub/x", profile: "p" } }, 'group id "sub/x" names a sub-folder: the server lists groups only in groups/'],
      ["Profiles", "ProfilePut", { profile: { id: "../../escape" } }, 'profile id "../../escape" leaves the profiles/ folder'],
      ["Ignition", "IgnitionPut", { name: "../generic/x", config: Buffer.from("x") }, 'ignition name "../generic/x" leaves the ignition/ folder'],
      ["Ignition", "IgnitionPut", { name: "../../../../etc/x", config: Buffer.from("x") }, 'ignition name "../../../../etc/x" leaves the ignition/ folder'],
      ["Generic", "GenericPut", { name: "", config: Buffer.from("x") }, "generic name is required"],
      ["Generic", "GenericPut", { name: "sub/", config: Buffer.from("x") }, 'generic name "sub/" names a folder, not a file'],
      ["Generic", "GenericGet", { name: "../groups/node1.json" }, 'generic name "../groups/node1.json" leaves the generic/ folder'],
    ];
    for (const [service, method, request, message] of cases) {
      const err = await failure(c.call(service as "Groups", method, request));
      expect({ method, code: err.code, details: err.details }).toEqual({ method, code: status.UNKNOWN, details: message });
    }
    expect(existsSync(path.join(s.dataDir, "profiles/evil.json"))).toBe(false);
    expect(existsSync(path.join(s.dataDir, "escape.json"))).toBe(false);
    expect(existsSync(path.join(s.dataDir, "generic/x"))).toBe(false);
    // A sub-folder inside ignition/ is fine, as Matchbox allows it.
    await c.call("Ignition", "IgnitionPut", { name: "sub/dir/x.ign", config: Buffer.from("{}") });
    expect(readFileSync(path.join(s.dataDir, "ignition/sub/dir/x.ign"), "utf8")).toBe("{}");
    expect(mode(path.join(s.dataDir, "ignition/sub/dir"))).toBe(0o755);
    await c.call("Ignition", "IgnitionDelete", { name: "sub/dir/x.ign" });
  });

  it("deletes as Terraform destroys: profile, its files, the group; reads then fail and HTTP stops serving them", async () => {
    const c = s.client();
    await c.call("Groups", "GroupDelete", { id: "node1" });
    // The machine falls back to the YAML default group at once.
    expect((await s.get(`/ipxe?mac=${MAC}&os=installed`)).body).toContain("kernel /assets/yaml-kernel");
    await c.call("Profiles", "ProfileDelete", { id: "worker" });
    await c.call("Ignition", "IgnitionDelete", { name: "worker.ign" });
    await c.call("Generic", "GenericDelete", { name: "worker" });
    for (const file of ["groups/node1.json", "profiles/worker.json", "ignition/worker.ign", "generic/worker"]) expect(existsSync(path.join(s.dataDir, file))).toBe(false);
    expect((await failure(c.call("Profiles", "ProfileGet", { id: "worker" }))).code).toBe(status.UNKNOWN);
    expect((await failure(c.call("Groups", "GroupGet", { id: "node1" }))).code).toBe(status.UNKNOWN);
    // A second destroy of the same file fails, as with Matchbox.
    expect((await failure(c.call("Ignition", "IgnitionDelete", { name: "worker.ign" }))).code).toBe(status.UNKNOWN);
    const noGroup = await failure(c.call("Select", "SelectGroup", { labels: { mac: MAC } }));
    expect({ code: noGroup.code, details: noGroup.details }).toEqual({ code: status.NOT_FOUND, details: "matchbox: No matching Group" });
  });

  it("logs every write with the client certificate's subject, the method and the file, counts it, and logs no key material", async () => {
    const writes = s.logs.filter((l) => typeof l.rpc === "string" && (l.result === "ok" || l.result === "error"));
    const put = writes.find((l) => l.rpc === "GroupPut" && l.object === "groups/node1.json" && l.result === "ok");
    expect(put).toBeDefined();
    expect((put!.client as { subject: string }).subject).toBe("CN=terraform");
    const refused = writes.find((l) => l.rpc === "GroupPut" && l.result === "error" && l.error === "Id is required");
    expect(refused).toBeDefined();
    expect(writes.some((l) => l.rpc === "IgnitionDelete" && l.object === "ignition/worker.ign")).toBe(true);
    const allLogs = JSON.stringify(s.logs);
    expect(allLogs).not.toContain("PRIVATE KEY");
    const clientKeyBody = pki.client.key.toString().split("\n")[1]!;
    expect(allLogs).not.toContain(clientKeyBody);

    const metrics = (await s.get("/metrics")).body;
    expect(metrics).toMatch(/^netboot_rpc_writes_total\{rpc="GroupPut",result="ok"\} [1-9]/m);
    expect(metrics).toMatch(/^netboot_rpc_writes_total\{rpc="GroupPut",result="error"\} [1-9]/m);
  });
});
