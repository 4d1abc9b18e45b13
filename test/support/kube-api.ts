/**
 * A Kubernetes API stand-in on loopback (test/support/kube-api-stub.mjs) with
 * a throwaway certificate, plus the service account folder a pod would have,
 * so netboot's in-cluster code runs unchanged against it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Secret, Service } from "../../server/kube/client.js";
import { type KubeApiStub, startKubeApiStub } from "./kube-api-stub.mjs";

export interface TestCluster {
  stub: KubeApiStub;
  /** Folder with token, ca.crt and namespace, like /var/run/secrets/kubernetes.io/serviceaccount. */
  serviceAccountDir: string;
  ca: string;
  /** What a pod's environment says about the API (plus the folder above). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 (openssl), its own CA. */
export function selfSignedCert(dir: string): { cert: string; key: string } {
  const certFile = join(dir, "api.crt");
  const keyFile = join(dir, "api.key");
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
    "-keyout", keyFile, "-out", certFile, "-days", "1", "-subj", "/CN=kube-api-stub",
    "-addext", "subjectAltName=IP:127.0.0.1",
  ], { stdio: "ignore" });
  return { cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}

export async function startTestCluster(options: {
  namespace?: string;
  secrets?: Record<string, { data?: Record<string, string>; annotations?: Record<string, string> }>;
  services?: Record<string, Service>;
  onChange?: (secrets: Record<string, Secret>) => void;
} = {}): Promise<TestCluster> {
  const namespace = options.namespace ?? "boot";
  const dir = mkdtempSync(join(tmpdir(), "netboot-kube-"));
  const { cert, key } = selfSignedCert(dir);
  const token = `test-token-${process.pid}`;
  const stub = await startKubeApiStub({ cert, key, token, namespace, secrets: options.secrets ?? {}, services: options.services ?? {}, ...(options.onChange ? { onChange: options.onChange } : {}) });
  writeFileSync(join(dir, "token"), `${token}\n`);
  writeFileSync(join(dir, "ca.crt"), cert);
  writeFileSync(join(dir, "namespace"), namespace);
  const port = new URL(stub.url).port;
  return {
    stub,
    serviceAccountDir: dir,
    ca: cert,
    env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: port, NETBOOT_KUBE_SERVICE_ACCOUNT_DIR: dir },
    async close() {
      await stub.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
