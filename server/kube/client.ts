/**
 * The few Kubernetes API calls the WireGuard sidecar makes, over HTTPS with
 * the pod's service account token and cluster CA (undici): read and patch one
 * Secret, read one Service. The token is read again for every call, since the
 * kubelet rotates it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Agent, request } from "undici";
import type { InClusterSettings } from "../config/kube-env.js";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface Secret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: ObjectMeta;
  type?: string;
  /** Key → base64 of the value. */
  data?: Record<string, string> | null;
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  nodePort?: number;
}

export interface Service {
  apiVersion: "v1";
  kind: "Service";
  metadata: ObjectMeta;
  spec: { type?: string; ports?: ServicePort[] };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** An answer other than 2xx, with the API's own reason (NotFound, Forbidden, Conflict, …). */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "KubeApiError";
  }
}

const FIELD_MANAGER = "netboot-wireguard";

export class KubeClient {
  private readonly agent: Agent;

  constructor(
    private readonly apiUrl: string,
    private readonly namespace: string,
    private readonly tokenFile: string,
    ca: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.agent = new Agent({ connect: { ca }, connections: 2 });
  }

  /** A client for the pod's own namespace from its service account files. */
  static inCluster(settings: InClusterSettings): KubeClient {
    const dir = settings.serviceAccountDir;
    const namespace = readFileSync(join(dir, "namespace"), "utf8").trim();
    const ca = readFileSync(join(dir, "ca.crt"), "utf8");
    return new KubeClient(settings.apiUrl, namespace, join(dir, "token"), ca);
  }

  get namespaceName(): string {
    return this.namespace;
  }

  private async call<T>(method: "GET" | "PATCH", path: string, body?: { type: string; content: unknown }): Promise<T> {
    const token = readFileSync(this.tokenFile, "utf8").trim();
    const url = `${this.apiUrl}/api/v1/namespaces/${encodeURIComponent(this.namespace)}${path}`;
    const res = await request(url, {
      method,
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        ...(body ? { "content-type": body.type } : {}),
      },
      body: body ? JSON.stringify(body.content) : undefined,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return JSON.parse(text) as T;
    let reason = "Unknown";
    let message = text.slice(0, 300);
    try {
      const status = JSON.parse(text) as { reason?: string; message?: string };
      reason = status.reason ?? reason;
      message = status.message ?? message;
    } catch {
      // not a Status object: keep the start of the body
    }
    throw new KubeApiError(res.statusCode, reason, `${method} ${path}: ${res.statusCode} ${reason}: ${message}`);
  }

  getSecret(name: string): Promise<Secret> {
    return this.call("GET", `/secrets/${encodeURIComponent(name)}`);
  }

  /**
   * Sets the given data keys (a JSON merge patch: other keys, labels and
   * annotations stay). With `resourceVersion` the API refuses the patch with
   * 409 Conflict if the Secret changed since it was read.
   */
  patchSecretData(name: string, data: Record<string, string>, resourceVersion?: string): Promise<Secret> {
    const content = { metadata: resourceVersion ? { resourceVersion } : {}, data };
    return this.call("PATCH", `/secrets/${encodeURIComponent(name)}?fieldManager=${FIELD_MANAGER}`, {
      type: "application/merge-patch+json",
      content,
    });
  }

  getService(name: string): Promise<Service> {
    return this.call("GET", `/services/${encodeURIComponent(name)}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

/**
 * The HOST:PORT a router dials for a LoadBalancer Service: its ingress
 * hostname, else its IP, with the Service's UDP port. Undefined while the
 * cloud has not given it an address (or for other Service types).
 */
export function loadBalancerEndpoint(service: Service): string | undefined {
  const ingress = service.status?.loadBalancer?.ingress?.find((i) => i.hostname || i.ip);
  const port = (service.spec.ports ?? []).find((p) => (p.protocol ?? "TCP") === "UDP")?.port;
  if (!ingress || port === undefined) return undefined;
  const host = ingress.hostname || ingress.ip!;
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
