import type { Secret, Service } from "../../server/kube/client.js";

export interface StubRequest {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface KubeApiStub {
  url: string;
  requests: StubRequest[];
  secret(name: string): Secret | undefined;
  setSecretData(name: string, data: Record<string, string> | undefined): void;
  setService(name: string, service: Service): void;
  close(): Promise<void>;
}

export function startKubeApiStub(options: {
  cert: string | Buffer;
  key: string | Buffer;
  token: string;
  namespace: string;
  serviceAccount?: string;
  secrets?: Record<string, { data?: Record<string, string>; labels?: Record<string, string>; annotations?: Record<string, string> }>;
  services?: Record<string, Service>;
  host?: string;
  port?: number;
  onChange?: (secrets: Record<string, Secret>) => void;
}): Promise<KubeApiStub>;

export function loadBalancerService(name: string, namespace: string, options?: { port?: number; ip?: string; hostname?: string }): Service;
