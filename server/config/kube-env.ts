/**
 * Where the Kubernetes API is and which objects the WireGuard sidecar keeps
 * its state in, from the environment a pod gets: KUBERNETES_SERVICE_HOST/PORT
 * (set by the kubelet in every container) and NETBOOT_WIREGUARD_* (set by the
 * chart on the sidecar, so `kubectl exec … netboot wireguard peer add` needs no
 * flags).
 */

/** The service account files a pod gets (token, ca.crt, namespace). */
export const DEFAULT_SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface InClusterSettings {
  /** https://HOST:PORT of the API server. */
  apiUrl: string;
  /** Folder holding `token`, `ca.crt` and `namespace`. */
  serviceAccountDir: string;
}

/** The API server as a pod sees it; undefined outside a pod. */
export function inClusterSettings(env: NodeJS.ProcessEnv): InClusterSettings | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  return {
    apiUrl: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    // Another folder only for running outside a pod, e.g. against a test API server.
    serviceAccountDir: env.NETBOOT_KUBE_SERVICE_ACCOUNT_DIR || DEFAULT_SERVICE_ACCOUNT_DIR,
  };
}

/** Defaults of `netboot wireguard` flags in a pod: each flag's NETBOOT_WIREGUARD_<FLAG> twin. */
export interface WireguardEnvDefaults {
  /** The Secret holding the state (--secret). */
  secret?: string;
  /** The Service whose load balancer address routers dial (--service). */
  service?: string;
  /** HOST:PORT routers dial, overriding the Service's address (--endpoint). */
  endpoint?: string;
  /** The tunnel interface the running sidecar manages (--interface). */
  interface?: string;
}

export function wireguardEnvName(flag: string): string {
  return `NETBOOT_WIREGUARD_${flag.toUpperCase().replace(/-/g, "_")}`;
}

export function wireguardEnvDefaults(env: NodeJS.ProcessEnv): WireguardEnvDefaults {
  const pick = (flag: string): string | undefined => env[wireguardEnvName(flag)] || undefined;
  const defaults: WireguardEnvDefaults = {};
  for (const flag of ["secret", "service", "endpoint", "interface"] as const) {
    const value = pick(flag);
    if (value !== undefined) defaults[flag] = value;
  }
  return defaults;
}
