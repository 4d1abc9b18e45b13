/**
 * Kubernetes output for the state directory: a Secret with one key per state
 * file (mount it as the directory), and Helm values for the chart.
 */
import yaml from "js-yaml";
import { serverInterfaceAddress, stateFiles, type WireGuardState } from "./state.js";

export const DEFAULT_SECRET_NAME = "netboot-wireguard";

export function secretManifest(state: WireGuardState, name: string = DEFAULT_SECRET_NAME): string {
  const data: Record<string, string> = {};
  for (const file of stateFiles(state)) data[file.name] = Buffer.from(file.content).toString("base64");
  const secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      labels: { "app.kubernetes.io/name": "netboot", "app.kubernetes.io/component": "wireguard" },
    },
    type: "Opaque",
    data,
  };
  return yaml.dump(secret, { lineWidth: -1, noRefs: true });
}

/**
 * Helm values for the chart's `wireguard` block. With `existingSecret` they
 * carry no secret and point at the Secret; without it they embed the state
 * files (`wireguard.state`, file name → content) and the chart makes the
 * Secret. Settings the chart does not take are comments for the reader.
 */
export function helmValues(state: WireGuardState, options: { existingSecret?: string } = {}): string {
  const wireguard: Record<string, unknown> = { enabled: true, listenPort: state.server.listenPort };
  if (options.existingSecret) {
    wireguard.existingSecret = options.existingSecret;
  } else {
    wireguard.state = Object.fromEntries(stateFiles(state).map((f) => [f.name, f.content]));
  }
  const header = [
    "# netboot WireGuard values (from `netboot wireguard`).",
    `# Server public key: ${state.server.publicKey}`,
    `# Routers dial ${state.server.endpoint ?? "the load balancer's address"}; the boot server is ${serverInterfaceAddress(state.server)} in the tunnel, MTU ${state.server.mtu}.`,
    ...(options.existingSecret ? [] : ["# This file holds the server's private key: keep it secret."]),
  ];
  return `${header.join("\n")}\n${yaml.dump({ wireguard }, { lineWidth: -1, noRefs: true })}`;
}
