import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * A data directory with `count` groups, each with its own MAC selector and
 * metadata, sharing one profile with a Butane and a generic template. Every
 * `missingEvery`-th group lacks the `hostname` the templates need.
 */
export function makeManyGroups(count: number, missingEvery = 0): string {
  const root = mkdtempSync(path.join(tmpdir(), "netboot-many-"));
  for (const dir of ["groups", "profiles", "ignition", "generic"]) mkdirSync(path.join(root, dir));
  writeFileSync(
    path.join(root, "profiles/worker.json"),
    JSON.stringify({ id: "worker", ignition_id: "worker.bu", generic_id: "env.tmpl", boot: { kernel: "/assets/k", initrd: ["/assets/i"] } }),
  );
  writeFileSync(
    path.join(root, "ignition/worker.bu"),
    "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n      contents:\n        inline: {{.hostname}}\n" +
      "passwd:\n  users:\n    - name: core\n      ssh_authorized_keys: [{{.ssh_key}}]\n",
  );
  writeFileSync(path.join(root, "generic/env.tmpl"), "HOST={{.hostname}}\nMAC={{.mac}}\n");
  for (let i = 0; i < count; i++) {
    const mac = "52:54:00:" + [i >> 16, (i >> 8) & 255, i & 255].map((x) => x.toString(16).padStart(2, "0")).join(":");
    const metadata: Record<string, string> = { ssh_key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample" };
    if (!(missingEvery > 0 && i % missingEvery === 0)) metadata.hostname = `node${i}.lab`;
    writeFileSync(path.join(root, `groups/node${String(i).padStart(5, "0")}.json`), JSON.stringify({ id: `node${i}`, profile: "worker", selector: { mac }, metadata }));
  }
  return root;
}
