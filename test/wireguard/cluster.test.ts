/**
 * The state in a Kubernetes Secret, through the API the way a pod reaches it
 * (a stand-in API server on loopback, test/support/kube-api-stub.mjs: no real
 * one runs here). Keys are made with `wg genkey`.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inClusterSettings } from "../../server/config/kube-env.js";
import { KubeClient } from "../../server/kube/client.js";
import { generateKeyPair } from "../../server/wireguard/keys.js";
import { initSecretState, readSecretState, secretStateFiles, updateSecretState } from "../../server/wireguard/secret-state.js";
import { addPeer, newServerState, stateFiles } from "../../server/wireguard/state.js";
import { loadBalancerService } from "../support/kube-api-stub.mjs";
import { startTestCluster, type TestCluster } from "../support/kube-api.js";
import { runWireguardCli } from "./fixtures.js";

let cluster: TestCluster;
let client: KubeClient;
let out: string;
let err: string;

const newState = async () => newServerState({ ...(await generateKeyPair()), tunnel: "10.77.0.0/24" });

async function run(...argv: string[]): Promise<number> {
  let code: number;
  ({ code, out, err } = await runWireguardCli(argv));
  return code;
}

beforeEach(async () => {
  cluster = await startTestCluster({
    secrets: { "rel-netboot-wireguard": { annotations: { "helm.sh/resource-policy": "keep" } } },
    services: { "rel-netboot-wireguard": loadBalancerService("rel-netboot-wireguard", "boot", { ip: "203.0.113.7" }) },
  });
  client = KubeClient.inCluster(inClusterSettings(cluster.env)!);
  for (const [name, value] of Object.entries(cluster.env)) vi.stubEnv(name, value);
  vi.stubEnv("NETBOOT_WIREGUARD_SECRET", "rel-netboot-wireguard");
  vi.stubEnv("NETBOOT_WIREGUARD_SERVICE", "rel-netboot-wireguard");
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await client.close();
  await cluster.close();
});

describe("first start with an empty Secret", () => {
  it("stores a new key once; later starts read the same one", async () => {
    const first = await initSecretState(client, "rel-netboot-wireguard", newState);
    expect(first.created).toBe(true);
    const second = await initSecretState(client, "rel-netboot-wireguard", newState);
    expect(second).toEqual({ state: first.state, created: false });
    const files = secretStateFiles(cluster.stub.secret("rel-netboot-wireguard")!);
    expect(files).toEqual(Object.fromEntries(stateFiles(first.state).map((f) => [f.name, f.content])));
    expect(cluster.stub.secret("rel-netboot-wireguard")!.metadata.annotations).toEqual({ "helm.sh/resource-policy": "keep" });
  });

  it("two pods starting together end up with one key: the later write is refused and reads the first", async () => {
    const clients = [client, KubeClient.inCluster(inClusterSettings(cluster.env)!)];
    try {
      const results = await Promise.all(clients.map((c) => initSecretState(c, "rel-netboot-wireguard", newState)));
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(results[0]!.state.privateKey).toBe(results[1]!.state.privateKey);
      expect(cluster.stub.requests.some((r) => r.status === 409)).toBe(true);
    } finally {
      await clients[1]!.close();
    }
  });

  it("refuses, and leaves alone, a Secret holding only part of a state", async () => {
    cluster.stub.setSecretData("rel-netboot-wireguard", { "private-key": Buffer.from("x\n").toString("base64") });
    await expect(initSecretState(client, "rel-netboot-wireguard", newState)).rejects.toThrow(/holds private-key but not server.json, peers.json/);
    expect(Object.keys(cluster.stub.secret("rel-netboot-wireguard")!.data!)).toEqual(["private-key"]);
  });
});

describe("netboot wireguard peer add in the pod", () => {
  beforeEach(async () => {
    await initSecretState(client, "rel-netboot-wireguard", newState);
    cluster.stub.requests.length = 0;
  });

  it("stores the router in the Secret and prints its config dialling the load balancer", async () => {
    expect(await run("peer", "add", "homelab", "--lan", "192.168.10.0/24", "--format", "openwrt"), err).toBe(0);
    const { state } = await readSecretState(client, "rel-netboot-wireguard");
    expect(state!.peers).toEqual([expect.objectContaining({ name: "homelab", address: "10.77.0.2", lan: ["192.168.10.0/24"] })]);
    expect(out).toContain("uci set network.netboot_server.endpoint_host='203.0.113.7'");
    expect(out).toContain(state!.server.publicKey);
    expect(out).toContain("private_key=");
    expect(err).toContain("Secret boot/rel-netboot-wireguard");
    // Exactly what the chart's Role allows: get and patch on the one Secret, get on the one Service.
    const calls = new Set(cluster.stub.requests.map((r) => `${r.method} ${r.path} ${r.status}`));
    expect([...calls].sort()).toEqual([
      "GET /api/v1/namespaces/boot/secrets/rel-netboot-wireguard 200",
      "GET /api/v1/namespaces/boot/services/rel-netboot-wireguard 200",
      "PATCH /api/v1/namespaces/boot/secrets/rel-netboot-wireguard 200",
    ]);
  });

  it("lets the chart's endpoint override win over the Service's address, and --endpoint over both", async () => {
    vi.stubEnv("NETBOOT_WIREGUARD_ENDPOINT", "vpn.example.net:4500");
    expect(await run("peer", "add", "a", "--lan", "198.51.100.0/25"), err).toBe(0);
    expect(out).toContain("Endpoint = vpn.example.net:4500");
    expect(await run("peer", "add", "b", "--lan", "198.51.100.128/25", "--endpoint", "203.0.113.99:51820"), err).toBe(0);
    expect(out).toContain("Endpoint = 203.0.113.99:51820");
  });

  it("stores nothing while no endpoint is known (the load balancer has no address yet)", async () => {
    cluster.stub.setService("rel-netboot-wireguard", loadBalancerService("rel-netboot-wireguard", "boot"));
    expect(await run("peer", "add", "homelab", "--lan", "192.168.10.0/24")).toBe(1);
    expect(err).toContain("has no load balancer address yet");
    expect(err).toContain("--endpoint HOST:PORT");
    expect((await readSecretState(client, "rel-netboot-wireguard")).state!.peers).toEqual([]);
  });

  it("lists and removes routers in the Secret", async () => {
    expect(await run("peer", "add", "homelab", "--lan", "192.168.10.0/24")).toBe(0);
    expect(await run("peer", "list", "--json")).toBe(0);
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ name: "homelab" })]);
    expect(await run("peer", "remove", "homelab")).toBe(0);
    expect((await readSecretState(client, "rel-netboot-wireguard")).state!.peers).toEqual([]);
  });

  it("keeps a router another writer stored in between: the stale write is refused and redone", async () => {
    let edits = 0;
    const other = (await generateKeyPair()).publicKey;
    const mine = (await generateKeyPair()).publicKey;
    const final = await updateSecretState(client, "rel-netboot-wireguard", (state) => {
      if (++edits === 1) {
        // Another writer (a second `peer add`) stores its router right now.
        const theirs = addPeer(state, { name: "other", publicKey: other, lan: ["198.51.100.0/25"] }).state;
        cluster.stub.setSecretData("rel-netboot-wireguard", Object.fromEntries(stateFiles(theirs).map((f) => [f.name, Buffer.from(f.content).toString("base64")])));
      }
      return addPeer(state, { name: "mine", publicKey: mine, lan: ["198.51.100.128/25"] }).state;
    });
    expect(edits).toBe(2);
    expect(cluster.stub.requests.filter((r) => r.status === 409)).toHaveLength(1);
    expect(final.peers.map((p) => p.name)).toEqual(["other", "mine"]);
    expect((await readSecretState(client, "rel-netboot-wireguard")).state!.peers.map((p) => p.name)).toEqual(["other", "mine"]);
  });

  it("says what is wrong outside a pod", async () => {
    vi.stubEnv("KUBERNETES_SERVICE_HOST", "");
    expect(await run("peer", "list")).toBe(2);
    expect(err).toContain("--secret needs the Kubernetes API");
    vi.stubEnv("NETBOOT_WIREGUARD_SECRET", "");
    expect(await run("peer", "list")).toBe(2);
    expect(err).toContain("--state is required (or --secret NAME in a pod, default NETBOOT_WIREGUARD_SECRET)");
  });
});
