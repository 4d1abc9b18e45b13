// Turns `helm template` output into a file `podman kube play` (4.3) can run,
// changing only what podman cannot do or what a kubelet would add, so the pod
// itself runs as rendered:
// - Secrets: podman 4.3 mounts Secret volumes empty (containers/podman#17071),
//   so each Secret's keys are written to a directory and the volume becomes a
//   hostPath of it (read-only, as a Secret volume is).
// - the projected service account volume (token, ca.crt, namespace) becomes a
//   hostPath of SIM_SERVICE_ACCOUNT_DIR, and every container gets the
//   KUBERNETES_SERVICE_HOST/PORT a kubelet sets (SIM_KUBE_API, HOST:PORT): the
//   test runs a stand-in API server there.
// - PersistentVolumeClaims become hostPaths of SIM_CLAIM_ROOT/<claim>, owned by
//   the pod's fsGroup (group-writable, setgid), as a kubelet prepares a volume for such a pod.
// - Services, ServiceAccounts, RBAC, PVCs and hook Pods are dropped: podman
//   ignores them or cannot create them; the test supplies the UDP path itself.
// - containerPorts are dropped: podman refuses them in a pod without a bridge.
// - probes are dropped: podman turns them into healthchecks run with curl
//   inside the container, which this image does not ship.
// - the Deployment becomes its pod template as a Pod carrying podman's
//   init-container annotation "always": podman removes a "once" init container
//   right after it ran, which races the container's exit on a loaded machine
//   ("cannot remove container … as it is running") and fails the whole pod.
//   The checksum annotations are left out: podman 4.3 wrongly caps annotation
//   values at 63 characters, and they only matter to rollouts.
// Usage: SIM_SERVICE_ACCOUNT_DIR=… SIM_KUBE_API=… SIM_CLAIM_ROOT=… node kube-play-adapter.mjs RENDERED.yaml SECRET_DIR > play.yaml
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";

const [renderedPath, secretRoot] = process.argv.slice(2);
const { SIM_SERVICE_ACCOUNT_DIR, SIM_KUBE_API, SIM_CLAIM_ROOT } = process.env;
const docs = parseAllDocuments(readFileSync(renderedPath, "utf8"), { version: "1.1" })
  .map((d) => d.toJS())
  .filter(Boolean);

const secrets = new Map();
for (const secret of docs.filter((d) => d.kind === "Secret")) {
  const dir = join(secretRoot, secret.metadata.name);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    writeFileSync(join(dir, key), Buffer.from(value, "base64"), { mode: 0o400 });
  }
  secrets.set(secret.metadata.name, dir);
}

const out = [];
for (const doc of docs) {
  if (doc.kind === "ConfigMap") out.push(doc);
  if (doc.kind !== "Deployment") continue;
  const pod = doc.spec.template.spec;
  const [apiHost, apiPort] = (SIM_KUBE_API ?? "127.0.0.1:6443").split(":");
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    delete c.ports;
    delete c.livenessProbe;
    delete c.readinessProbe;
    c.env = [...(c.env ?? []), { name: "KUBERNETES_SERVICE_HOST", value: apiHost }, { name: "KUBERNETES_SERVICE_PORT", value: apiPort }];
  }
  for (const volume of pod.volumes ?? []) {
    if (volume.secret) {
      const dir = secrets.get(volume.secret.secretName);
      if (!dir) throw new Error(`Secret ${volume.secret.secretName} is not in the rendered chart`);
      delete volume.secret;
      volume.hostPath = { path: dir, type: "Directory" };
    } else if (volume.projected) {
      if (!SIM_SERVICE_ACCOUNT_DIR) throw new Error("the pod mounts a service account token: set SIM_SERVICE_ACCOUNT_DIR");
      delete volume.projected;
      volume.hostPath = { path: SIM_SERVICE_ACCOUNT_DIR, type: "Directory" };
    } else if (volume.persistentVolumeClaim) {
      if (!SIM_CLAIM_ROOT) throw new Error("the pod mounts a PersistentVolumeClaim: set SIM_CLAIM_ROOT");
      const dir = join(SIM_CLAIM_ROOT, volume.persistentVolumeClaim.claimName);
      mkdirSync(dir, { recursive: true });
      const group = pod.securityContext?.fsGroup;
      if (group !== undefined) {
        // What a kubelet does to a volume for a pod with an fsGroup: group-owned, group-writable, setgid.
        chownSync(dir, 0, group);
        chmodSync(dir, 0o2775);
      }
      delete volume.persistentVolumeClaim;
      volume.hostPath = { path: dir, type: "Directory" };
    }
  }
  out.push({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: doc.metadata.name,
      labels: doc.spec.template.metadata.labels,
      annotations: {
        ...Object.fromEntries(Object.entries(doc.spec.template.metadata.annotations ?? {}).filter(([k]) => !k.startsWith("checksum/"))),
        "io.podman.annotations.init.container.type": "always",
      },
    },
    spec: pod,
  });
}
process.stdout.write(out.map((d) => stringify(d)).join("---\n"));
