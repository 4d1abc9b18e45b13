// Turns `helm template` output into a file `podman kube play` (4.3) can run,
// changing only what podman cannot do, so the pod itself runs as rendered:
// - Secrets: podman 4.3 mounts Secret volumes empty (containers/podman#17071),
//   so each Secret's keys are written to a directory and the volume becomes a
//   hostPath of it (read-only, as a Secret volume is).
// - Services, ServiceAccounts, PVCs and hook Pods are dropped: podman ignores
//   them or cannot create them; the test supplies the UDP path itself.
// - containerPorts are dropped: podman refuses them in a pod without a bridge.
// - probes are dropped: podman turns them into healthchecks run with curl
//   inside the container, which this image does not ship.
// - the Deployment becomes its pod template as a Pod carrying podman's
//   init-container annotation "always": podman removes a "once" init container
//   right after it ran, which races the container's exit on a loaded machine
//   ("cannot remove container … as it is running") and fails the whole pod.
//   The checksum annotations are left out: podman 4.3 wrongly caps annotation
//   values at 63 characters, and they only matter to rollouts.
// Usage: node kube-play-adapter.mjs RENDERED.yaml SECRET_DIR > play.yaml
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments, stringify } from "yaml";

const [renderedPath, secretRoot] = process.argv.slice(2);
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
  for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
    delete c.ports;
    delete c.livenessProbe;
    delete c.readinessProbe;
  }
  for (const volume of pod.volumes ?? []) {
    if (!volume.secret) continue;
    const dir = secrets.get(volume.secret.secretName);
    if (!dir) throw new Error(`Secret ${volume.secret.secretName} is not in the rendered chart`);
    delete volume.secret;
    volume.hostPath = { path: dir, type: "Directory" };
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
