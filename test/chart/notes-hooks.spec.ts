import { execFile } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CHART_DIR, helm } from "./helm.js";
import { type K8sObject, parseManifests } from "./manifests.js";
import type { PodSpec } from "./pod.js";

const run = promisify(execFile);

interface DryRun {
  info: { notes: string };
  hooks: { name: string; kind: string; events: string[]; manifest: string }[];
}

/** Helm 4 renders NOTES.txt and hooks without a cluster (`install --dry-run=client`). */
async function dryRunInstall(valuesFile: string): Promise<DryRun> {
  const result = await helm("helm4", ["install", "rel", CHART_DIR, "--dry-run=client", "-o", "json", "-n", "boot", "-f", valuesFile]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as DryRun;
}

describe("NOTES.txt", () => {
  it("tells how to find the WireGuard endpoint and what to run next", async () => {
    const { info } = await dryRunInstall(join(CHART_DIR, "ci/default-values.yaml"));
    expect(info.notes).toContain("kubectl -n boot get service rel-netboot-wireguard");
    expect(info.notes).toContain(".status.loadBalancer.ingress[0].ip");
    expect(info.notes).toContain("netboot wireguard peer add home --state ./wireguard");
    expect(info.notes).toContain("--endpoint <ADDRESS>:51820");
    expect(info.notes).toContain("helm upgrade rel <chart> -n boot --reuse-values -f wireguard-values.yaml");
    expect(info.notes).toContain("NET_ADMIN and /dev/net/tun");
    expect(info.notes).toContain("WireGuard mode auto: kernel WireGuard where the node has the module, else wireguard-go");
    expect(info.notes).toContain("-c wireguard -- netboot wireguard status --state /etc/netboot/wireguard --interface wg0");
    expect(info.notes).toContain("helm test rel -n boot");
  });

  it("points at the NodePort in NodePort mode and drops the tun note in kernel mode", async () => {
    const { info } = await dryRunInstall(join(CHART_DIR, "ci/kernel-existing-secret-values.yaml"));
    expect(info.notes).toContain("{.spec.ports[0].nodePort}");
    expect(info.notes).not.toContain("/dev/net/tun");
  });

  it("says so when WireGuard is off", async () => {
    const { info } = await dryRunInstall(join(CHART_DIR, "ci/no-wireguard-values.yaml"));
    expect(info.notes).toContain("WireGuard is disabled");
    expect(info.notes).not.toContain("rel-netboot-wireguard");
  });
});

describe("helm test", () => {
  async function testPod(): Promise<K8sObject> {
    const { hooks } = await dryRunInstall(join(CHART_DIR, "ci/default-values.yaml"));
    expect(hooks.map((h) => [h.kind, h.events])).toEqual([["Pod", ["test"]]]);
    return parseManifests(hooks[0]!.manifest)[0]!;
  }

  it("fetches /boot.ipxe through the HTTP Service", async () => {
    const pod = await testPod();
    expect(pod.metadata.annotations).toMatchObject({ "helm.sh/hook": "test" });
    const command = (pod.spec as PodSpec).containers[0]!.command!;
    expect(command.at(-1)).toBe("http://rel-netboot.boot.svc:8080/boot.ipxe");
  });

  it("its script passes on an iPXE script and fails on anything else", async () => {
    const command = ((await testPod()).spec as PodSpec).containers[0]!.command!;
    const answers: Record<string, [number, string]> = {
      "/boot.ipxe": [200, "#!ipxe\nchain /ipxe?mac=${net0/mac:hexhyp}\n"],
      "/wrong": [200, "<html>not ipxe</html>"],
      "/missing": [404, "not found"],
    };
    const server = createServer((req, res) => {
      const [status, body] = answers[req.url ?? ""] ?? [500, ""];
      res.writeHead(status, { "content-type": "text/plain" }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const exitCode = async (path: string) => {
      // Runs the pod's own command (node …) with the Service URL pointed at the local server.
      const args = [...command.slice(1, -1), `${base}${path}`];
      try {
        await run(process.execPath, args, { timeout: 15_000 });
        return 0;
      } catch (err) {
        return (err as { code?: number }).code;
      }
    };
    try {
      expect(command[0]).toBe("node");
      expect(await exitCode("/boot.ipxe")).toBe(0);
      expect(await exitCode("/wrong")).toBe(1);
      expect(await exitCode("/missing")).toBe(1);
    } finally {
      server.close();
    }
  });
});
