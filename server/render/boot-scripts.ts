import type { Boot } from "../store/types.js";

/**
 * The fixed iPXE script behind `/boot.ipxe`: it chains to `/ipxe` (relative,
 * so the same host, port and scheme) with the machine's identity as labels.
 */
export const BOOT_IPXE =
  "#!ipxe\n" +
  "chain ipxe?uuid=${uuid}&mac=${mac:hexhyp}&domain=${domain}&hostname=${hostname}&serial=${serial}&arch=${buildarch:uristring}\n";

/** A profile's boot section as an iPXE script; arguments are passed through verbatim. */
export function renderIpxe(boot: Boot): string {
  let script = "#!ipxe\nkernel " + boot.kernel;
  for (const arg of boot.args) script += " " + arg;
  for (const initrd of boot.initrd) script += "\ninitrd " + initrd;
  return script + "\nboot\n";
}

/** A profile's boot section as a GRUB config with an EFI and a BIOS entry. */
export function renderGrub(boot: Boot): string {
  const args = boot.args.map((arg) => " " + arg).join("");
  const initrds = boot.initrd.map((initrd) => ` "${initrd}"`).join("");
  const entry = (title: string, linux: string, initrd: string) =>
    `menuentry "${title}" {\n` +
    `echo "Loading kernel"\n` +
    `${linux} "${boot.kernel}"${args}\n` +
    `echo "Loading initrd"\n` +
    `${initrd} ${initrds}\n` +
    `}\n`;
  return "default=0\nfallback=1\ntimeout=1\n" + entry("CoreOS (EFI)", "linuxefi", "initrdefi") + entry("CoreOS (BIOS)", "linux", "initrd");
}
