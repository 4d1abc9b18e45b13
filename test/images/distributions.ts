import { createHash } from "node:crypto";
import { blob, sha256, sha512 } from "./upstream.js";
import { clearsigned, detachedArmored, detachedBinary, type TestKey } from "./pgp.js";

const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");
const sha1 = (data: Buffer) => createHash("sha1").update(data).digest("hex");

/** Upstream files of a Fedora CoreOS stream, laid out as builds.coreos.fedoraproject.org lays them out, with the stream metadata pointing at `origin`. */
export async function fedoraCoreOs(origin: string, key: TestKey, version = "42.20250901.3.0"): Promise<{ files: Record<string, Buffer>; contents: Record<string, Buffer> }> {
  const folder = `/prod/streams/stable/builds/${version}/x86_64`;
  const contents: Record<string, Buffer> = {
    kernel: blob(200_000, 11),
    initramfs: blob(300_000, 12),
    rootfs: blob(400_000, 13),
  };
  const names: Record<string, string> = {
    kernel: `fedora-coreos-${version}-live-kernel.x86_64`,
    initramfs: `fedora-coreos-${version}-live-initramfs.x86_64.img`,
    rootfs: `fedora-coreos-${version}-live-rootfs.x86_64.img`,
  };
  const files: Record<string, Buffer> = {};
  const pxe: Record<string, unknown> = {};
  for (const artifact of ["kernel", "initramfs", "rootfs"]) {
    const location = `${origin}${folder}/${names[artifact]}`;
    files[`${folder}/${names[artifact]}`] = contents[artifact]!;
    files[`${folder}/${names[artifact]}.sig`] = await detachedBinary(key, contents[artifact]!);
    pxe[artifact] = { location, signature: `${location}.sig`, sha256: sha256(contents[artifact]!) };
  }
  const stream = {
    stream: "stable",
    metadata: { "last-modified": "2025-09-15T21:02:08Z", generator: "fedora-coreos-stream-generator v0.2.18" },
    architectures: {
      aarch64: { artifacts: {} },
      x86_64: {
        artifacts: {
          metal: {
            release: version,
            formats: {
              "raw.xz": { disk: { location: `${origin}${folder}/fedora-coreos-${version}-metal.x86_64.raw.xz`, sha256: "0".repeat(64) } },
              pxe,
            },
          },
        },
      },
    },
  };
  files["/streams/stable.json"] = Buffer.from(JSON.stringify(stream, null, 4));
  return { files, contents: Object.fromEntries(Object.entries(contents).map(([k, v]) => [names[k]!, v])) };
}

/** A Flatcar release as stable.release.flatcar-linux.net lays it out: version.txt, each file with .DIGESTS (MD5, SHA1, SHA512), .DIGESTS.asc and .sig. */
export async function flatcar(key: TestKey, version = "4230.2.3"): Promise<{ files: Record<string, Buffer>; contents: Record<string, Buffer> }> {
  const contents: Record<string, Buffer> = {
    "flatcar_production_pxe.vmlinuz": blob(150_000, 21),
    "flatcar_production_pxe_image.cpio.gz": blob(350_000, 22),
  };
  const files: Record<string, Buffer> = {
    "/amd64-usr/current/version.txt": Buffer.from(
      `FLATCAR_BUILD=${version.split(".")[0]}\nFLATCAR_BRANCH=${version.split(".")[1]}\nFLATCAR_PATCH=${version.split(".")[2]}\nFLATCAR_VERSION=${version}\nFLATCAR_VERSION_ID=${version}\nFLATCAR_BUILD_ID=""\nFLATCAR_SDK_VERSION=4230.0.0\n`,
    ),
  };
  for (const [name, data] of Object.entries(contents)) {
    const digests = `# MD5 HASH\n${md5(data)}  ${name}\n# SHA1 HASH\n${sha1(data)}  ${name}\n# SHA512 HASH\n${sha512(data)}  ${name}\n`;
    files[`/amd64-usr/${version}/${name}`] = data;
    files[`/amd64-usr/${version}/${name}.sig`] = await detachedBinary(key, data);
    files[`/amd64-usr/${version}/${name}.DIGESTS`] = Buffer.from(digests);
    files[`/amd64-usr/${version}/${name}.DIGESTS.asc`] = Buffer.from(await clearsigned(key, digests));
  }
  return { files, contents };
}

/** A Debian mirror's dists/<suite>: Release (MD5Sum and SHA256 sections) signed by Release.gpg, and the installer images' SHA256SUMS. */
export async function debian(key: TestKey, installer = "20230607+deb12u11"): Promise<{ files: Record<string, Buffer>; contents: Record<string, Buffer> }> {
  const contents: Record<string, Buffer> = { linux: blob(120_000, 31), "initrd.gz": blob(220_000, 32) };
  const netboot = "netboot/debian-installer/amd64";
  const sums =
    [
      `${sha256(blob(1000, 33))}  ./cdrom/vmlinuz`,
      `${sha256(contents["initrd.gz"]!)}  ./${netboot}/initrd.gz`,
      `${sha256(contents.linux!)}  ./${netboot}/linux`,
      `${sha256(blob(1000, 34))}  ./netboot/netboot.tar.gz`,
    ].join("\n") + "\n";
  const files: Record<string, Buffer> = {};
  for (const folder of ["current", installer]) {
    files[`/debian/dists/stable/main/installer-amd64/${folder}/images/SHA256SUMS`] = Buffer.from(sums);
    for (const [name, data] of Object.entries(contents)) files[`/debian/dists/stable/main/installer-amd64/${folder}/images/${netboot}/${name}`] = data;
  }
  const sumsBytes = Buffer.from(sums);
  const entry = (digest: string, path: string) => ` ${digest} ${String(sumsBytes.length).padStart(8)} ${path}`;
  const release = [
    "Origin: Debian",
    "Label: Debian",
    "Suite: stable",
    "Codename: bookworm",
    "Date: Sat, 06 Sep 2025 09:45:39 UTC",
    "Architectures: all amd64 arm64",
    "Components: main contrib non-free-firmware non-free",
    "MD5Sum:",
    entry(md5(sumsBytes), "main/installer-amd64/current/images/SHA256SUMS"),
    "SHA256:",
    entry(sha256(blob(10, 35)), "main/binary-amd64/Packages.xz"),
    entry(sha256(sumsBytes), `main/installer-amd64/${installer}/images/SHA256SUMS`),
    entry(sha256(sumsBytes), "main/installer-amd64/current/images/SHA256SUMS"),
    "",
  ].join("\n");
  files["/debian/dists/stable/Release"] = Buffer.from(release);
  files["/debian/dists/stable/Release.gpg"] = Buffer.from(await detachedArmored(key, Buffer.from(release)));
  return { files, contents };
}
