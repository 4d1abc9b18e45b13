import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inClusterSettings } from "../../server/config/kube-env.js";
import { KubeApiError, KubeClient, loadBalancerEndpoint } from "../../server/kube/client.js";
import { loadBalancerService } from "../support/kube-api-stub.mjs";
import { selfSignedCert, startTestCluster, type TestCluster } from "../support/kube-api.js";

let cluster: TestCluster;
let client: KubeClient;

beforeEach(async () => {
  cluster = await startTestCluster({
    secrets: { wg: { annotations: { "helm.sh/resource-policy": "keep" } } },
    services: { "wg-svc": loadBalancerService("wg-svc", "boot", { ip: "203.0.113.7" }) },
  });
  client = KubeClient.inCluster(inClusterSettings(cluster.env)!);
});
afterEach(async () => {
  await client.close();
  await cluster.close();
});

describe("the in-cluster client", () => {
  it("reads a Secret over TLS with the service account token, in the pod's namespace", async () => {
    const secret = await client.getSecret("wg");
    expect(secret.metadata).toMatchObject({ name: "wg", namespace: "boot", annotations: { "helm.sh/resource-policy": "keep" } });
    expect(secret.data).toBeUndefined();
    expect(cluster.stub.requests).toEqual([{ method: "GET", path: "/api/v1/namespaces/boot/secrets/wg", query: "", status: 200 }]);
  });

  it("patches only data keys, keeping annotations, and names itself as field manager", async () => {
    const before = await client.getSecret("wg");
    const after = await client.patchSecretData("wg", { a: "YQ==" }, before.metadata.resourceVersion);
    expect(after.data).toEqual({ a: "YQ==" });
    expect(after.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
    expect(after.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    expect(cluster.stub.requests.at(-1)).toMatchObject({ method: "PATCH", query: "?fieldManager=netboot-wireguard", status: 200 });
  });

  it("reports a stale write as a 409 Conflict", async () => {
    const before = await client.getSecret("wg");
    await client.patchSecretData("wg", { a: "YQ==" }, before.metadata.resourceVersion);
    const stale = await client.patchSecretData("wg", { a: "Yg==" }, before.metadata.resourceVersion).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(KubeApiError);
    expect(stale).toMatchObject({ status: 409, reason: "Conflict" });
    expect((await client.getSecret("wg")).data).toEqual({ a: "YQ==" });
  });

  it("reports what the Role does not allow as 403 Forbidden, with the API's message", async () => {
    const err = (await client.getSecret("other").catch((e: unknown) => e)) as KubeApiError;
    expect(err).toMatchObject({ status: 403, reason: "Forbidden" });
    expect(err.message).toContain('secrets "other" is forbidden');
  });

  it("reads the token again for every call (the kubelet rotates it)", async () => {
    writeFileSync(join(cluster.serviceAccountDir, "token"), "rotated-but-wrong\n");
    await expect(client.getSecret("wg")).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a server whose certificate the pod's CA did not sign", async () => {
    const other = selfSignedCert(cluster.serviceAccountDir);
    const stranger = new KubeClient(new URL(cluster.stub.url).origin, "boot", join(cluster.serviceAccountDir, "token"), other.cert);
    try {
      await expect(stranger.getSecret("wg")).rejects.toThrow();
      expect(cluster.stub.requests).toEqual([]);
    } finally {
      await stranger.close();
    }
  });
});

describe("the endpoint routers dial", () => {
  it("is the load balancer's hostname, else its IP, with the Service's UDP port", async () => {
    expect(loadBalancerEndpoint(await client.getService("wg-svc"))).toBe("203.0.113.7:51820");
    expect(loadBalancerEndpoint(loadBalancerService("s", "boot", { hostname: "lb-1.elb.example.com", ip: "203.0.113.9", port: 4500 }))).toBe("lb-1.elb.example.com:4500");
    expect(loadBalancerEndpoint(loadBalancerService("s", "boot", { ip: "2001:db8::5" }))).toBe("[2001:db8::5]:51820");
  });

  it("is unknown while the cloud has not given an address", () => {
    expect(loadBalancerEndpoint(loadBalancerService("s", "boot"))).toBeUndefined();
  });
});

describe("the pod's environment", () => {
  it("names the API server from KUBERNETES_SERVICE_HOST/PORT, and nothing outside a pod", () => {
    expect(inClusterSettings({ KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" })).toEqual({
      apiUrl: "https://10.96.0.1:443",
      serviceAccountDir: "/var/run/secrets/kubernetes.io/serviceaccount",
    });
    expect(inClusterSettings({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" })?.apiUrl).toBe("https://[fd00::1]:443");
    expect(inClusterSettings({})).toBeUndefined();
  });
});
