import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { json } from "../support/data-dir.js";

export const MAC = "52:54:00:aa:bb:cc";
export const Q = "mac=52-54-00-AA-BB-CC";
export const TOKEN = "test-token-0123456789abcdef";

/** The repository's local-disk script, as profiles use it for booting the installed system. */
export const LOCAL_DISK_SCRIPT = readFileSync(new URL("../../assets/local-disk.ipxe", import.meta.url), "utf8");

/**
 * An install-then-disk pair: the machine's MAC selects the installer; once
 * its installer fetched `/ignition?…&os=installed`, the sticky group selects
 * the profile that boots the disk.
 */
export const FILES: Record<string, string> = {
  "groups/node1-install.yaml": `id: node1-install
profile: installer
selector:
  mac: "${MAC}"
metadata:
  hostname: node1
`,
  "groups/node1-installed.yaml": `id: node1-installed
profile: local-disk
sticky: true
selector:
  mac: "${MAC}"
  os: installed
metadata:
  hostname: node1
`,
  // Any machine that says it is installed (no MAC in the selector): for the cap tests.
  "groups/fleet-installed.json": json({ id: "fleet-installed", profile: "local-disk", sticky: true, selector: { os: "installed", fleet: "a" } }),
  "groups/default.json": json({ id: "default", profile: "installer" }),
  "profiles/installer.yaml": `id: installer
boot:
  kernel: /assets/installer/vmlinuz
  args:
    - coreos.inst.ignition_url=http://netboot.invalid/ignition?mac=\${mac:hexhyp}&os=installed
ignition_id: installed.ign
generic_id: env.tmpl
`,
  "profiles/local-disk.yaml": `id: local-disk
boot:
  kernel: /assets/local-disk.ipxe
ignition_id: installed.ign
generic_id: env.tmpl
`,
  "ignition/installed.ign": json({ ignition: { version: "3.4.0" } }),
  "generic/env.tmpl": "OS={{if index . \"os\"}}{{.os}}{{else}}-{{end}} QUERY={{.request.raw_query}} LABELS={{range $k, $v := .request.query}}{{$k}}={{$v}};{{end}}\n",
  "assets/local-disk.ipxe": LOCAL_DISK_SCRIPT,
};

export const INSTALLER_IPXE = "#!ipxe\nkernel /assets/installer/vmlinuz coreos.inst.ignition_url=http://netboot.invalid/ignition?mac=${mac:hexhyp}&os=installed\nboot\n";
export const LOCAL_DISK_IPXE = "#!ipxe\nkernel /assets/local-disk.ipxe\nboot\n";

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A token file in `dir` (a folder the test removes). */
export function tokenFile(dir: string, token = TOKEN): string {
  const file = path.join(dir, "token");
  writeFileSync(file, token + "\n", { mode: 0o600 });
  return file;
}

export const stateFile = (dir: string, mac = MAC) => path.join(dir, mac.replace(/:/g, "-") + ".json");
