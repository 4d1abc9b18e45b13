import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHART_DIR, helm, renderChart } from "./helm.js";
import { findObject, parseManifests } from "./manifests.js";
import { container, podTemplate } from "./pod.js";

const STATE = join(CHART_DIR, "ci", "state-values.yaml");
const netbootOf = async (options: Parameters<typeof renderChart>[1]) => {
  const objects = parseManifests(await renderChart("helm4", options));
  const pod = podTemplate(findObject(objects, "Deployment")).spec;
  return { objects, pod, netboot: container(pod, "netboot") };
};

describe("machine state (sticky groups) in the chart", () => {
  it("is off by default: no flag, no volume, no claim", async () => {
    const { objects, pod, netboot } = await netbootOf({ set: { "wireguard.enabled": "false" } });
    expect(netboot.args).not.toContain("-state-path");
    expect(netboot.args).not.toContain("-api-token-file");
    expect(pod.volumes!.map((v) => v.name)).not.toContain("state");
    expect(objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name)).toEqual(["rel-netboot-assets"]);
  });

  it("state.enabled: a small claim of its own mounted read-write, the flags, and the API token from a Secret", async () => {
    const { objects, pod, netboot } = await netbootOf({ valuesFiles: [STATE] });
    expect(findObject(objects, "PersistentVolumeClaim", "rel-netboot-state").spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "standard",
      resources: { requests: { storage: "32Mi" } },
    });
    const args = netboot.args!;
    expect(args.slice(args.indexOf("-state-path"), args.indexOf("-state-path") + 4)).toEqual(["-state-path", "/var/lib/netboot-state", "-state-max-machines", "500"]);
    expect(args[args.indexOf("-api-token-file") + 1]).toBe("/etc/netboot/api-token/token");
    expect(netboot.volumeMounts).toContainEqual({ name: "state", mountPath: "/var/lib/netboot-state" });
    expect(netboot.volumeMounts).toContainEqual({ name: "api-token", mountPath: "/etc/netboot/api-token", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "state", persistentVolumeClaim: { claimName: "rel-netboot-state" } });
    expect(pod.volumes).toContainEqual({ name: "api-token", secret: { secretName: "netboot-api", defaultMode: 0o440 } });
  });

  it("uses an existing claim instead of making one", async () => {
    const { objects, pod } = await netbootOf({ valuesFiles: [STATE], set: { "state.persistence.existingClaim": "boot-state" } });
    expect(objects.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name)).toEqual(["rel-netboot-assets"]);
    expect(pod.volumes).toContainEqual({ name: "state", persistentVolumeClaim: { claimName: "boot-state" } });
  });

  it("refuses values the schema does not know", async () => {
    for (const set of ["state.maxMachines=0", "state.persistence.enabled=true", "state.apiTokenSecret.name=Not_A_Name"]) {
      const result = await helm("helm4", ["template", "rel", CHART_DIR, "--set", "wireguard.enabled=false", "--set", set]);
      expect(result.code, set).not.toBe(0);
    }
  });
});
