import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export const PROFILES = 10;

/** The MAC of generated group `i` (i < 2^24). */
export function macOf(i) {
  const hex = (n) => n.toString(16).padStart(2, "0");
  return `52:54:00:${hex((i >> 16) & 0xff)}:${hex((i >> 8) & 0xff)}:${hex(i & 0xff)}`;
}

/**
 * A Matchbox-style data directory: `groups` groups each selecting one MAC,
 * a default group without selectors, and ten profiles with boot sections.
 * Made once per size under `root` and reused.
 */
export function generateDataDir(root, groups) {
  const dir = path.join(root, `data-${groups}`);
  const done = path.join(dir, ".complete");
  if (existsSync(done)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, "groups"), { recursive: true });
  mkdirSync(path.join(dir, "profiles"), { recursive: true });
  for (let p = 0; p < PROFILES; p++) {
    const profile = {
      id: `p${p}`,
      name: `Profile ${p}`,
      boot: {
        kernel: "/assets/vmlinuz",
        initrd: ["/assets/initrd.img"],
        args: ["initrd=initrd.img", "coreos.live.rootfs_url=http://netboot.example/assets/rootfs.img", "ignition.firstboot", "ignition.platform.id=metal", `ignition.config.url=http://netboot.example/ignition?uuid=\${uuid}&mac=\${mac:hexhyp}&p=${p}`],
      },
    };
    writeFileSync(path.join(dir, "profiles", `p${p}.json`), JSON.stringify(profile, null, 2));
  }
  writeFileSync(path.join(dir, "groups", "default.json"), JSON.stringify({ id: "default", name: "Default", profile: "p0" }, null, 2));
  for (let i = 0; i < groups - 1; i++) {
    const group = { id: `node${i}`, name: `Node ${i}`, profile: `p${i % PROFILES}`, selector: { mac: macOf(i) }, metadata: { hostname: `node${i}.lab`, rack: `r${i % 40}` } };
    writeFileSync(path.join(dir, "groups", `node${i}.json`), JSON.stringify(group, null, 2));
  }
  writeFileSync(done, "");
  return dir;
}
