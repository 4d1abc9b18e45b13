import { describe, expect, it } from "vitest";
import { CHART_DIR, helm, renderChart, REPO_ROOT } from "./helm.js";
import { schemaErrors, unknownFieldErrors } from "./k8s-validate.js";
import { findObject, parseManifests, type K8sObject } from "./manifests.js";
import { container, podTemplate } from "./pod.js";

const RPC = { "rpc.enabled": "true", "rpc.existingSecret": "netboot-rpc-tls", "wireguard.enabled": "false" };

async function render(set: Record<string, string>): Promise<K8sObject[]> {
  return parseManifests(await renderChart("helm4", { set }));
}

describe("chart: the gRPC API (rpc.*)", () => {
  it("is off by default: no Service, no flags, the data folders from ConfigMaps", async () => {
    const objects = await render({ "wireguard.enabled": "false" });
    expect(objects.some((o) => o.kind === "Service" && o.metadata.name.endsWith("-rpc"))).toBe(false);
    const pod = podTemplate(findObject(objects, "Deployment")).spec;
    expect(container(pod, "netboot").args).not.toContain("-rpc-address");
    expect(pod.volumes?.filter((v) => v.configMap).map((v) => v.name)).toEqual(["profiles", "groups", "ignition", "generic", "sources"]);
  });

  it("serves the API from the Secret's files on its own port, behind a ClusterIP Service, over a writable data directory", async () => {
    const objects = await render(RPC);
    const service = findObject(objects, "Service", "rel-netboot-rpc");
    expect(service.spec).toMatchObject({ type: "ClusterIP", ports: [{ name: "rpc", protocol: "TCP", port: 8081, targetPort: "rpc" }] });
    const pod = podTemplate(findObject(objects, "Deployment")).spec;
    const netboot = container(pod, "netboot");
    const args = netboot.args!;
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect([flag("-rpc-address"), flag("-cert-file"), flag("-key-file"), flag("-ca-file")]).toEqual([
      "0.0.0.0:8081",
      "/etc/netboot/rpc/server.crt",
      "/etc/netboot/rpc/server.key",
      "/etc/netboot/rpc/ca.crt",
    ]);
    expect(netboot.ports).toContainEqual({ name: "rpc", containerPort: 8081, protocol: "TCP" });
    expect(netboot.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/netboot" });
    expect(netboot.volumeMounts).toContainEqual({ name: "rpc-tls", mountPath: "/etc/netboot/rpc", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "rpc-tls", secret: { secretName: "netboot-rpc-tls", defaultMode: 0o440 } });
    expect(pod.volumes).toContainEqual({ name: "data", emptyDir: {} });
    expect(pod.volumes?.some((v) => v.configMap)).toBe(false);
    for (const object of objects) expect(await schemaErrors(object), `${object.kind}/${object.metadata.name}`).toEqual([]);
    expect(await unknownFieldErrors(objects, REPO_ROOT)).toEqual([]);

    const kept = podTemplate(findObject(await render({ ...RPC, "rpc.existingDataClaim": "netboot-data" }), "Deployment")).spec;
    expect(kept.volumes).toContainEqual({ name: "data", persistentVolumeClaim: { claimName: "netboot-data" } });
  });

  it("refuses an API without certificates, replicas without a shared volume, and unknown keys", async () => {
    const noSecret = await helm("helm4", ["template", "rel", CHART_DIR, "--set", "rpc.enabled=true"]);
    expect(noSecret.code).not.toBe(0);
    expect(noSecret.stderr).toContain("rpc.enabled needs rpc.existingSecret");
    const replicas = await helm("helm4", ["template", "rel", CHART_DIR, "--set", "rpc.enabled=true", "--set", "rpc.existingSecret=s", "--set", "replicaCount=2"]);
    expect(replicas.stderr).toContain("needs rpc.existingDataClaim");
    const typo = await helm("helm4", ["template", "rel", CHART_DIR, "--set", "rpc.enable=true"]);
    expect(typo.stderr).toContain("'enable' not allowed");
    const serviceType = await helm("helm4", ["template", "rel", CHART_DIR, "--set", "rpc.service.type=Ingress"]);
    expect(serviceType.stderr).toContain("/rpc/service/type");
  });
});
