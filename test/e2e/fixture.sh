#!/usr/bin/env bash
# Builds the boot fixture for the e2e suite from Debian packages, into a cache
# directory: a Debian kernel (unpacked, never installed) and a small initrd made
# of busybox, the virtio NIC modules and test/e2e/initrd-init.sh.
#
# Usage: fixture.sh OUT_DIR        (writes OUT_DIR/vmlinuz and OUT_DIR/initrd.img)
set -euo pipefail

out=${1:?usage: fixture.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

stamp_inputs() {
  # The fixture is rebuilt when the init script, this script or the kernel package change.
  sha256sum "$here/initrd-init.sh" "$here/fixture.sh" /bin/busybox | sha256sum | cut -d' ' -f1
  echo "$kernel_pkg"
}

kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [[ -z "$kernel_pkg" ]]; then
  echo "fixture: cannot resolve the kernel package behind linux-image-amd64 (run apt-get update)" >&2
  exit 1
fi
stamp=$(stamp_inputs)
if [[ -f "$out/stamp" && "$(cat "$out/stamp")" == "$stamp" && -s "$out/vmlinuz" && -s "$out/initrd.img" ]]; then
  echo "fixture: up to date ($kernel_pkg)"
  exit 0
fi

work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "fixture: downloading $kernel_pkg"
# apt-get download writes into the current directory; _apt cannot write to a
# root-owned mktemp dir, so the download runs unsandboxed (harmless warning).
(cd "$work" && apt-get download -q "$kernel_pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
deb=$(ls "$work"/"$kernel_pkg"_*.deb 2>/dev/null | head -n1)
[[ -n "$deb" ]] || { echo "fixture: download of $kernel_pkg failed" >&2; exit 1; }
dpkg-deb -x "$deb" "$work/kernel"

moddir=$(ls -d "$work"/kernel/lib/modules/*/ | head -n1)
kver=$(basename "$moddir")

# Module load order: dependencies (from each module's own "depends" field,
# since the package ships no modules.dep) before the modules that need them.
declare -A seen=()
order=()
module_path() { find "$moddir/kernel" -name "$1.ko" -print -quit; }
add_module() {
  local name=$1 dep path
  [[ -n "${seen[$name]:-}" ]] && return 0
  seen[$name]=1
  path=$(module_path "$name")
  [[ -n "$path" ]] || { echo "fixture: module $name not found in $kver" >&2; exit 1; }
  for dep in $(modinfo -F depends "$path" | tr ',' ' '); do add_module "$dep"; done
  order+=("$name")
}
add_module virtio_pci
add_module virtio_net

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,etc,lib/modules}
cp /bin/busybox "$root/bin/busybox"
for name in "${order[@]}"; do cp "$(module_path "$name")" "$root/lib/modules/$name.ko"; done
printf '%s\n' "${order[@]}" > "$root/lib/modules/load-order"
install -m 0755 "$here/initrd-init.sh" "$root/init"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null --quiet -o -H newc -R 0:0) | gzip -9 > "$out/initrd.img.new"
cp "$work/kernel/boot/vmlinuz-$kver" "$out/vmlinuz.new"
mv "$out/vmlinuz.new" "$out/vmlinuz"
mv "$out/initrd.img.new" "$out/initrd.img"
echo "$stamp" > "$out/stamp"
echo "fixture: kernel $kver, modules: ${order[*]}, initrd $(stat -c %s "$out/initrd.img") bytes"
