import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CHART_DIR, renderChart } from "./helm.js";
import { type K8sObject, findObject, parseManifests } from "./manifests.js";
import { container, podTemplate } from "./pod.js";

const scenario = (name: string) => join(CHART_DIR, "ci", `${name}-values.yaml`);
const SCENARIOS = ["install", "default", "no-wireguard", "kernel-existing-secret", "aws-nlb-persistence"];

const rendered = new Map<string, K8sObject[]>();
beforeAll(async () => {
  for (const name of SCENARIOS) {
    rendered.set(name, parseManifests(await renderChart("helm4", { valuesFiles: [scenario(name)] })));
  }
});
const objects = (name: string) => rendered.get(name)!;

describe.each(SCENARIOS)("scenario %s", (name) => {
  it("labels every object with the recommended labels", () => {
    for (const object of objects(name)) {
      const labels = object.metadata.labels ?? {};
      expect(labels, `${object.kind}/${object.metadata.name}`).toMatchObject({
        "app.kubernetes.io/name": "netboot",
        "app.kubernetes.io/instance": "rel",
        "app.kubernetes.io/managed-by": "Helm",
        "helm.sh/chart": "netboot-0.1.0",
      });
      expect(object.metadata.name.length).toBeLessThanOrEqual(63);
    }
  });

  it("selects pods by name and instance only, and every Service selects the Deployment's pods", () => {
    const deployment = findObject(objects(name), "Deployment");
    const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
    expect(selector).toEqual({ "app.kubernetes.io/name": "netboot", "app.kubernetes.io/instance": "rel" });
    const podLabels = podTemplate(deployment).metadata.labels;
    expect(podLabels).toMatchObject(selector);
    for (const service of objects(name).filter((o) => o.kind === "Service")) {
      expect((service.spec as { selector: Record<string, string> }).selector).toEqual(selector);
    }
    for (const pdb of objects(name).filter((o) => o.kind === "PodDisruptionBudget")) {
      expect((pdb.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual(selector);
    }
  });

  it("runs netboot non-root on a read-only root with no capabilities, probed over HTTP", () => {
    const pod = podTemplate(findObject(objects(name), "Deployment")).spec;
    const netboot = container(pod, "netboot");
    expect(netboot.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(netboot.securityContext?.runAsUser).toBeGreaterThan(0);
    expect(netboot.securityContext?.capabilities?.add).toBeUndefined();
    expect(netboot.args?.slice(0, 3)).toEqual(["serve", "-address", "0.0.0.0:8080"]);
    // The views are always placed explicitly, apart from the boot port.
    expect(netboot.args![netboot.args!.indexOf("-debug-address") + 1]).toBe("0.0.0.0:9090");
    expect(netboot.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "debug", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(netboot.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(netboot.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(pod.hostNetwork).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ seccompProfile: { type: "RuntimeDefault" } });
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      expect(c.securityContext?.privileged, c.name).toBeUndefined();
      expect(c.securityContext?.allowPrivilegeEscalation, c.name).toBe(false);
      expect(c.securityContext?.readOnlyRootFilesystem, c.name).toBe(true);
      expect(c.securityContext?.capabilities?.drop, c.name).toEqual(["ALL"]);
    }
  });

  it("mounts only volumes the pod declares, and every referenced object exists or was named in values", () => {
    const all = objects(name);
    const pod = podTemplate(findObject(all, "Deployment")).spec;
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
      for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name), `${c.name}: ${mount.name}`).toBe(true);
    }
    const external = new Set(["netboot-wireguard-keys"]);
    for (const volume of volumes.values()) {
      const ref =
        (volume.configMap && ["ConfigMap", volume.configMap.name]) ||
        (volume.secret && ["Secret", volume.secret.secretName]) ||
        (volume.persistentVolumeClaim && ["PersistentVolumeClaim", volume.persistentVolumeClaim.claimName]);
      if (!ref) continue;
      const [kind, refName] = ref as [string, string];
      const exists = all.some((o) => o.kind === kind && o.metadata.name === refName);
      expect(exists || external.has(refName), `${volume.name} → ${kind}/${refName}`).toBe(true);
    }
  });

  it("carries no checksum of the data (a data change must not roll the pods); one of the Secret only when asked", () => {
    const annotations = podTemplate(findObject(objects(name), "Deployment")).metadata.annotations ?? {};
    expect(annotations["checksum/data"]).toBeUndefined();
    const rollsOnKeys = name === "aws-nlb-persistence";
    expect(annotations["checksum/wireguard"] !== undefined).toBe(rollsOnKeys);
    if (rollsOnKeys) expect(annotations["checksum/wireguard"]).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("WireGuard", () => {
  it("exposes UDP on a Service of its own, separate from the TCP HTTP Service", () => {
    const all = objects("default");
    const wg = findObject(all, "Service", "rel-netboot-wireguard");
    const http = findObject(all, "Service", "rel-netboot");
    expect(wg.spec).toMatchObject({
      type: "LoadBalancer",
      externalTrafficPolicy: "Local",
      ports: [{ name: "wireguard", protocol: "UDP", port: 51820, targetPort: "wireguard" }],
    });
    expect(http.spec).toMatchObject({
      type: "ClusterIP",
      ports: [{ name: "http", protocol: "TCP", port: 8080, targetPort: "http" }],
    });
    expect(JSON.stringify(http.spec)).not.toContain("UDP");
  });

  it("gives the sidecar NET_ADMIN and /dev/net/tun in the default auto mode, and nothing else", () => {
    const pod = podTemplate(findObject(objects("default"), "Deployment")).spec;
    const wg = container(pod, "wireguard");
    // auto: kernel WireGuard when the node has it, wireguard-go (on the mounted tun device) otherwise.
    expect(wg.args).not.toContain("--userspace");
    expect(wg.securityContext?.capabilities).toEqual({ drop: ["ALL"], add: ["NET_ADMIN"] });
    expect(wg.ports).toEqual([{ name: "wireguard", containerPort: 51820, protocol: "UDP" }]);
    expect(wg.args).toEqual(expect.arrayContaining(["wireguard", "up", "--state", "/etc/netboot/wireguard", "--interface", "wg0"]));
    expect(wg.volumeMounts).toEqual(
      expect.arrayContaining([
        { name: "wireguard-state", mountPath: "/etc/netboot/wireguard", readOnly: true },
        { name: "tun", mountPath: "/dev/net/tun" },
      ]),
    );
    const tun = pod.volumes?.find((v) => v.name === "tun");
    expect(tun?.hostPath).toEqual({ path: "/dev/net/tun", type: "CharDevice" });
    // YAML 1.1 octal: the API server reads 0400 as 256.
    expect(pod.volumes?.find((v) => v.name === "wireguard-state")?.secret?.defaultMode).toBe(0o400);
    const netboot = container(pod, "netboot");
    expect(netboot.volumeMounts?.map((m) => m.name)).not.toContain("wireguard-state");
    expect(netboot.volumeMounts?.map((m) => m.name)).not.toContain("tun");
  });

  it("does not mount /dev/net/tun in kernel mode and uses the existing Secret", () => {
    const all = objects("kernel-existing-secret");
    const pod = podTemplate(findObject(all, "Deployment")).spec;
    expect(pod.volumes?.some((v) => v.hostPath)).toBe(false);
    expect(container(pod, "wireguard").args).not.toContain("--userspace");
    expect(pod.volumes?.find((v) => v.name === "wireguard-state")?.secret?.secretName).toBe("netboot-wireguard-keys");
    expect(all.some((o) => o.kind === "Secret")).toBe(false);
    expect(findObject(all, "Service", "rel-netboot-wireguard").spec).toMatchObject({
      type: "NodePort",
      externalTrafficPolicy: "Cluster",
      ports: [{ protocol: "UDP", nodePort: 31820 }],
    });
  });

  it("leaves out the sidecar, the UDP Service and the Secret when disabled", () => {
    const all = objects("no-wireguard");
    const pod = podTemplate(findObject(all, "Deployment")).spec;
    expect(pod.containers.map((c) => c.name)).toEqual(["netboot"]);
    expect(all.filter((o) => o.kind === "Service").map((o) => o.metadata.name)).toEqual(["rel-netboot"]);
    expect(all.some((o) => o.kind === "Secret")).toBe(false);
  });

  it("puts the state files into the Secret unchanged, one key per file", () => {
    const secret = findObject(objects("default"), "Secret", "rel-netboot-wireguard");
    const data = secret.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["peers.json", "private-key", "server.json"]);
    expect(Buffer.from(data["private-key"]!, "base64").toString()).toBe("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
    expect(JSON.parse(Buffer.from(data["server.json"]!, "base64").toString())).toMatchObject({ address: "10.77.0.1", listenPort: 51820 });
  });
});

describe("optional parts", () => {
  it("renders a PVC for assets, a PDB and the cloud LB settings when asked", () => {
    const all = objects("aws-nlb-persistence");
    expect(findObject(all, "PersistentVolumeClaim", "rel-netboot-assets").spec).toMatchObject({
      storageClassName: "gp3",
      resources: { requests: { storage: "20Gi" } },
    });
    expect(findObject(all, "PodDisruptionBudget").spec).toMatchObject({ maxUnavailable: 1 });
    const deployment = findObject(all, "Deployment");
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    expect(container(podTemplate(deployment).spec, "netboot").image).toBe(
      "registry.example.com/netboot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    );
    const wg = findObject(all, "Service", "rel-netboot-wireguard");
    expect(wg.metadata.annotations).toMatchObject({ "service.beta.kubernetes.io/aws-load-balancer-healthcheck-port": "8080" });
    expect(wg.spec).toMatchObject({ loadBalancerClass: "service.k8s.aws/nlb", loadBalancerSourceRanges: ["198.51.100.7/32"] });
  });

  it("renders no PDB by default, and keeps assets on a PersistentVolumeClaim", () => {
    const kinds = objects("default").map((o) => o.kind).sort();
    expect(kinds).toEqual(["ConfigMap", "ConfigMap", "ConfigMap", "ConfigMap", "ConfigMap", "Deployment", "PersistentVolumeClaim", "Pod", "Secret", "Service", "Service", "ServiceAccount"]);
  });

  it("seeds the assets volume from the image's iPXE binaries without overwriting", () => {
    const pod = podTemplate(findObject(objects("default"), "Deployment")).spec;
    const seed = container(pod, "seed-assets");
    expect(seed.command).toEqual(["cp", "-R", "-n", "/usr/share/netboot/assets/.", "/var/lib/netboot/assets/"]);
    expect(seed.volumeMounts).toEqual([{ name: "assets", mountPath: "/var/lib/netboot/assets" }]);
  });
});

describe("WireGuard status for /metrics", () => {
  it("shares the sidecar's status file with netboot through a memory volume, read-only for netboot", () => {
    const pod = podTemplate(findObject(objects("default"), "Deployment")).spec;
    const netboot = container(pod, "netboot");
    const sidecar = container(pod, "wireguard");
    const statusFile = netboot.args![netboot.args!.indexOf("-wireguard-status-file") + 1];
    expect(statusFile).toBe("/run/netboot-status/wireguard.json");
    expect(sidecar.args![sidecar.args!.indexOf("--status-file") + 1]).toBe(statusFile);
    expect(netboot.volumeMounts).toContainEqual({ name: "wireguard-status", mountPath: "/run/netboot-status", readOnly: true });
    expect(sidecar.volumeMounts).toContainEqual({ name: "wireguard-status", mountPath: "/run/netboot-status" });
    expect(pod.volumes).toContainEqual({ name: "wireguard-status", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
    const plain = podTemplate(findObject(objects("no-wireguard"), "Deployment")).spec;
    expect(container(plain, "netboot").args).not.toContain("-wireguard-status-file");
  });
});
