/**
 * `helm install netboot ./chart` with no values, and living with it: data
 * changes and upgrades that must not roll the pod or touch the key the pod
 * stored, the sidecar's narrow API access, the URL machines get, the NOTES.
 */
import { describe, expect, it } from "vitest";
import { CHART_DIR, HELM_VERSIONS, type HelmName, helm, renderChart } from "./helm.js";
import { type K8sObject, findObject, parseManifests } from "./manifests.js";
import { container, podTemplate } from "./pod.js";

const HELMS = Object.keys(HELM_VERSIONS) as HelmName[];

async function render(name: HelmName, set: Record<string, string> = {}, setString: Record<string, string> = {}): Promise<K8sObject[]> {
  return parseManifests(await renderChart(name, { set, setString }));
}

describe.each(HELMS)("no values at all (%s)", (name) => {
  it("renders and lints", async () => {
    const lint = await helm(name, ["lint", "--strict", CHART_DIR]);
    expect(lint.code, lint.stdout + lint.stderr).toBe(0);
    const kinds = (await render(name)).map((o) => o.kind).sort();
    expect(kinds).toEqual([
      "ConfigMap", "ConfigMap", "ConfigMap", "ConfigMap", "ConfigMap", "Deployment", "PersistentVolumeClaim", "Pod",
      "Role", "RoleBinding", "Secret", "Service", "Service", "ServiceAccount",
    ]);
  });

  it("leaves the pod template identical when a group is added (no rollout for data)", async () => {
    const before = podTemplate(findObject(await render(name), "Deployment"));
    const group = 'id: node2\nprofile: fedora-coreos-install\nselector:\n  mac: "52:54:00:aa:bb:dd"\n';
    const objects = await render(name, {}, { "data.groups.node2\\.yaml": group });
    expect((findObject(objects, "ConfigMap", "rel-netboot-groups").data as Record<string, string>)["node2.yaml"]).toBe(group);
    expect(podTemplate(findObject(objects, "Deployment"))).toEqual(before);
  });
});

describe("the WireGuard key made by the pod", () => {
  it("lives in a Secret the chart makes empty, kept on uninstall, so no render ever carries or resets a key", async () => {
    const upgrades: Record<string, string>[] = [{}, { "image.tag": "0.2.0" }, { "wireguard.tunnel": "10.78.0.0/24", replicaCount: "1" }];
    for (const set of upgrades) {
      const secret = findObject(await render("helm4", set), "Secret", "rel-netboot-wireguard");
      // No `data`: a three-way merge (Helm 3), server-side apply (Helm 4, Flux) and a
      // client-side apply (Argo CD) all leave keys they never set alone.
      expect(secret).not.toHaveProperty("data");
      expect(secret).not.toHaveProperty("stringData");
      expect(secret.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep", "argocd.argoproj.io/sync-options": "Delete=false" });
    }
  });

  it("is reached by the sidecar alone, with a Role for one Secret and one Service", async () => {
    const objects = await render("helm4");
    const role = findObject(objects, "Role", "rel-netboot-wireguard");
    expect(role.rules).toEqual([
      { apiGroups: [""], resources: ["secrets"], resourceNames: ["rel-netboot-wireguard"], verbs: ["get", "patch"] },
      { apiGroups: [""], resources: ["services"], resourceNames: ["rel-netboot-wireguard"], verbs: ["get"] },
    ]);
    expect(findObject(objects, "RoleBinding", "rel-netboot-wireguard")).toMatchObject({
      roleRef: { kind: "Role", name: "rel-netboot-wireguard" },
      subjects: [{ kind: "ServiceAccount", name: "rel-netboot", namespace: "boot" }],
    });
    const pod = podTemplate(findObject(objects, "Deployment")).spec as ReturnType<typeof podTemplate>["spec"] & { automountServiceAccountToken?: boolean };
    expect(pod.automountServiceAccountToken).toBe(false);
    const token = "/var/run/secrets/kubernetes.io/serviceaccount";
    expect(container(pod, "wireguard").volumeMounts).toContainEqual({ name: "kube-api-access", mountPath: token, readOnly: true });
    for (const c of ["netboot", "seed-assets"]) {
      expect(container(pod, c).volumeMounts?.map((m) => m.mountPath), c).not.toContain(token);
    }
    const projected = (pod.volumes!.find((v) => v.name === "kube-api-access") as unknown as { projected: { sources: object[] } }).projected;
    expect(projected.sources).toEqual([
      { serviceAccountToken: { path: "token", expirationSeconds: 3607 } },
      { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
      { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
    ]);
  });

  it("is made with the chart's tunnel, and exec'd commands find the Secret, Service and interface", async () => {
    const pod = podTemplate(findObject(await render("helm4", { "wireguard.endpoint": "vpn.example.com:51820" }), "Deployment")).spec;
    const sidecar = container(pod, "wireguard") as ReturnType<typeof container> & { env?: { name: string; value: string }[] };
    expect(sidecar.args).toEqual(expect.arrayContaining(["--tunnel", "10.77.0.0/24", "--mtu", "1420", "--allow-port", "8080"]));
    expect(sidecar.args).not.toContain("--state");
    expect(sidecar.env).toEqual([
      { name: "NETBOOT_WIREGUARD_SECRET", value: "rel-netboot-wireguard" },
      { name: "NETBOOT_WIREGUARD_SERVICE", value: "rel-netboot-wireguard" },
      { name: "NETBOOT_WIREGUARD_INTERFACE", value: "wg0" },
      { name: "NETBOOT_WIREGUARD_ENDPOINT", value: "vpn.example.com:51820" },
    ]);
  });

  it("with an existing Secret, the Role names that Secret and the chart makes none", async () => {
    const objects = await render("helm4", { "wireguard.existingSecret": "my-wg" });
    expect(objects.some((o) => o.kind === "Secret")).toBe(false);
    expect((findObject(objects, "Role").rules as { resourceNames: string[] }[])[0]!.resourceNames).toEqual(["my-wg"]);
  });
});

describe("the URL machines are given", () => {
  const serverUrl = async (set: Record<string, string>) => {
    const args = container(podTemplate(findObject(await render("helm4", set), "Deployment")).spec, "netboot").args!;
    return args.includes("-server-url") ? args[args.indexOf("-server-url") + 1] : undefined;
  };

  it("is the server's tunnel address by default, follows the tunnel, and server.url wins", async () => {
    expect(await serverUrl({})).toBe("http://10.77.0.1:8080");
    expect(await serverUrl({ "wireguard.tunnel": "172.30.8.64/26", "server.port": "8081" })).toBe("http://172.30.8.65:8081");
    expect(await serverUrl({ "server.url": "https://boot.example.net" })).toBe("https://boot.example.net");
    expect(await serverUrl({ "wireguard.enabled": "false" })).toBeUndefined();
  });

  it("comes from the state's server.json when keys are given as values", async () => {
    const objects = parseManifests(await renderChart("helm4", { valuesFiles: [`${CHART_DIR}/ci/aws-nlb-persistence-values.yaml`], set: { "wireguard.tunnel": "10.99.0.0/24" } }));
    const args = container(podTemplate(findObject(objects, "Deployment")).spec, "netboot").args!;
    expect(args[args.indexOf("-server-url") + 1]).toBe("http://10.77.0.1:8080");
  });
});

describe("assets", () => {
  it("are on a PersistentVolumeClaim of the given size and class by default; an emptyDir when asked", async () => {
    const objects = await render("helm4", { "assets.persistence.size": "50Gi", "assets.persistence.storageClass": "fast" });
    expect(findObject(objects, "PersistentVolumeClaim", "rel-netboot-assets").spec).toEqual({
      accessModes: ["ReadWriteOnce"],
      storageClassName: "fast",
      resources: { requests: { storage: "50Gi" } },
    });
    const volume = (objs: K8sObject[]) => podTemplate(findObject(objs, "Deployment")).spec.volumes!.find((v) => v.name === "assets");
    expect(volume(objects)).toEqual({ name: "assets", persistentVolumeClaim: { claimName: "rel-netboot-assets" } });
    const plain = await render("helm4", { "assets.persistence.enabled": "false" });
    expect(plain.some((o) => o.kind === "PersistentVolumeClaim")).toBe(false);
    expect(volume(plain)).toEqual({ name: "assets", emptyDir: { sizeLimit: "2Gi" } });
  });
});

describe("NOTES for a zero-values install", () => {
  it("give the exact commands for this release", async () => {
    const result = await helm("helm4", ["install", "netboot", CHART_DIR, "--dry-run=client", "-o", "json", "-n", "netboot"]);
    expect(result.code, result.stderr).toBe(0);
    const notes = (JSON.parse(result.stdout) as { info: { notes: string } }).info.notes;
    expect(notes).toContain("kubectl -n netboot get service netboot-wireguard \\\n       -o jsonpath='{.status.loadBalancer.ingress[0].hostname}{.status.loadBalancer.ingress[0].ip}{\"\\n\"}'");
    expect(notes).toContain(
      "kubectl -n netboot exec deploy/netboot -c wireguard -- \\\n       netboot wireguard peer add home --lan <BOOT-LAN-CIDR> --format openwrt > home-router.conf",
    );
    expect(notes).toContain("kubectl -n netboot exec deploy/netboot -c wireguard -- netboot wireguard peer list");
    expect(notes).toContain("netboot dhcp-config --format dnsmasq --server-url http://10.77.0.1:8080");
    expect(notes).toContain(":/var/lib/netboot/assets/fedora-coreos -c netboot");
    expect(notes).toContain("Declare them in sources/ (data.sources) and netboot fetches, verifies and keeps each file");
    expect(notes).toContain("kubectl -n netboot port-forward deploy/netboot 9090:9090");
    expect(notes).not.toContain("--state ./wireguard");
    expect(notes).toContain("-c wireguard -- netboot wireguard status\n");
  });
});
