import { describe, expect, it } from "vitest";
import { CHART_DIR, HELM_VERSIONS, type HelmName, helm } from "./helm.js";

const HELMS = Object.keys(HELM_VERSIONS) as HelmName[];

/** Values that values.schema.json (or the templates) must refuse, with the words the user should see. */
const REJECTED: { why: string; args: string[]; message: Record<HelmName, string> }[] = [
  {
    why: "a negative replica count",
    args: ["--set", "replicaCount=-1"],
    message: { helm4: "/replicaCount", helm3: "replicaCount: Must be greater than or equal to 0" },
  },
  {
    why: "a UDP port out of range",
    args: ["--set", "service.wireguard.port=70000"],
    message: { helm4: "/service/wireguard/port", helm3: "service.wireguard.port: Must be less than or equal to 65535" },
  },
  {
    why: "an unknown WireGuard mode",
    args: ["--set", "wireguard.mode=kernal"],
    message: { helm4: "/wireguard/mode", helm3: "wireguard.mode" },
  },
  {
    why: "a misspelt top-level key",
    args: ["--set", "replicas=2"],
    message: { helm4: "'replicas' not allowed", helm3: "Additional property replicas is not allowed" },
  },
  {
    why: "a misspelt nested key",
    args: ["--set", "wireguard.listenport=51820"],
    message: { helm4: "'listenport' not allowed", helm3: "Additional property listenport is not allowed" },
  },
  {
    why: "a port given as text",
    args: ["--set-string", "server.port=8080"],
    message: { helm4: "/server/port", helm3: "server.port: Invalid type. Expected: integer, given: string" },
  },
  {
    why: "an interface name longer than Linux allows",
    args: ["--set", "wireguard.interface=wireguard-tunnel0"],
    message: { helm4: "/wireguard/interface", helm3: "wireguard.interface" },
  },
  {
    why: "a data file name that is not a ConfigMap key",
    args: ["--set-string", "data.profiles.a/b\\.yaml=x"],
    message: { helm4: "'a/b.yaml' does not match pattern", helm3: "data.profiles" },
  },
  {
    why: "a bad externalTrafficPolicy",
    args: ["--set", "service.wireguard.externalTrafficPolicy=local"],
    message: { helm4: "/service/wireguard/externalTrafficPolicy", helm3: "service.wireguard.externalTrafficPolicy" },
  },
  {
    why: "a digest that is not sha256",
    args: ["--set", "image.digest=latest"],
    message: { helm4: "/image/digest", helm3: "image.digest" },
  },
  {
    why: "a WireGuard state file the sidecar does not know",
    args: ["--set-string", "wireguard.state.privatekey=x"],
    message: { helm4: "privatekey", helm3: "wireguard.state" },
  },
  {
    why: "an incomplete WireGuard state",
    args: ["--set-string", "wireguard.state.private-key=x"],
    message: {
      helm4: 'wireguard.state has no "server.json"',
      helm3: 'wireguard.state has no "server.json"',
    },
  },
  {
    why: "keys neither made by the pod nor given",
    args: ["--set", "wireguard.manageSecret=false"],
    message: {
      helm4: "wireguard.manageSecret is false but no keys were given: run `netboot wireguard init",
      helm3: "wireguard.manageSecret is false but no keys were given: run `netboot wireguard init",
    },
  },
  {
    why: "a tunnel that is not an IPv4 block",
    args: ["--set", "wireguard.tunnel=10.77.0.0"],
    message: { helm4: "/wireguard/tunnel", helm3: "wireguard.tunnel" },
  },
  {
    why: "a tunnel that is not a network address",
    args: ["--set", "wireguard.tunnel=10.77.0.5/24"],
    message: { helm4: 'wireguard.tunnel "10.77.0.5/24" is not a network address', helm3: 'wireguard.tunnel "10.77.0.5/24" is not a network address' },
  },
  {
    why: "a tunnel too small for a server and a router",
    args: ["--set", "wireguard.tunnel=10.77.0.0/31"],
    message: { helm4: "/wireguard/tunnel", helm3: "wireguard.tunnel" },
  },
  {
    why: "an endpoint without a port",
    args: ["--set", "wireguard.endpoint=vpn.example.com"],
    message: { helm4: "/wireguard/endpoint", helm3: "wireguard.endpoint" },
  },
  {
    why: "an MTU below IPv6's minimum",
    args: ["--set", "wireguard.mtu=1000"],
    message: { helm4: "/wireguard/mtu", helm3: "wireguard.mtu" },
  },
  {
    why: "a server URL without a scheme",
    args: ["--set", "server.url=10.77.0.1:8080"],
    message: { helm4: "/server/url", helm3: "server.url" },
  },
  {
    why: "a server URL with a query",
    args: ["--set", "server.url=http://10.77.0.1:8080/?a"],
    message: { helm4: "/server/url", helm3: "server.url" },
  },
  {
    why: "a debug address without a port",
    args: ["--set", "server.debugAddress=0.0.0.0"],
    message: { helm4: "/server/debugAddress", helm3: "server.debugAddress" },
  },
];

describe.each(HELMS)("values refused by %s", (name) => {
  it.each(REJECTED)("refuses $why", async ({ args, message }) => {
    const result = await helm(name, ["template", "rel", CHART_DIR, ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message[name]);
  });

  it("accepts the same command line once the value is fixed", async () => {
    const result = await helm(name, ["template", "rel", CHART_DIR, "--set", "wireguard.enabled=false", "--set", "replicaCount=2"]);
    expect(result.stderr).not.toContain("Error");
    expect(result.code).toBe(0);
  });
});
