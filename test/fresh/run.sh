#!/usr/bin/env bash
# `npm ci && npm test` on a fresh machine: a clone of this repository's HEAD
# in a minimal Debian bookworm (debootstrap, no tools added) with only Node and
# npm installed (scripts/fetch-node.sh), run as root in a chroot with its own
# mount namespace. Whatever the tests need beyond that must be installed by
# `npm test` itself (scripts/ensure-tools.sh in `pretest`), so a missing step
# fails here although CI's own machine has every package of .ci/apt-packages.txt.
#
# Usage: test/fresh/run.sh [lts|20]    (the Node line; default lts). Needs root.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
line="${1:-lts}"
[[ "$(id -u)" == 0 ]] || { echo "fresh: needs root (chroot, mounts, network namespaces)" >&2; exit 1; }

rootfs_tar="$("$repo_root/scripts/debian-rootfs.sh")"
node_dir="$("$repo_root/scripts/fetch-node.sh" "$line")"
work="$(mktemp -d /tmp/netboot-fresh.XXXXXX)"
root="$work/root"
cleanup() {
  # The mounts lived in the unshared namespace and went with it; only files remain.
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

mkdir -p "$root"
tar -xf "$rootfs_tar" -C "$root"
cp -a "$node_dir/." "$root/usr/local/"
git clone --quiet --no-hardlinks "$repo_root" "$root/src/netboot"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Where egress passes a TLS-inspecting proxy, npm needs its CA (the host's
# NODE_EXTRA_CA_CERTS): a property of this network, not of the project.
extra_ca=""
if [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "$NODE_EXTRA_CA_CERTS" ]]; then
  cp "$NODE_EXTRA_CA_CERTS" "$root/etc/extra-ca.crt"
  extra_ca="/etc/extra-ca.crt"
fi
# npm's download cache (the host's) only saves downloads; it installs nothing.
# Only the downloads are shared (_cacache), not npx's installs or the logs.
npm_cache="$(npm config get cache 2>/dev/null || true)"
[[ -d "$npm_cache" ]] || npm_cache="$repo_root/.cache/npm"
mkdir -p "$npm_cache/_cacache" "$root/root/.npm/_cacache"

echo "fresh: Node $(basename "$node_dir") and npm on $(. "$root/etc/os-release" && echo "$PRETTY_NAME"), $(git -C "$repo_root" rev-parse --short HEAD)"
start=$(date +%s)
unshare --mount --propagation private -- bash -euo pipefail -c '
  root="$1" npm_cache="$2" extra_ca="$3"
  mount --bind "$root" "$root"   # the root is a mount point, as on a machine (`ip netns` remounts it)
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys"
  mount --rbind /dev "$root/dev"
  mount -t tmpfs tmpfs "$root/run"
  mount -t tmpfs tmpfs "$root/tmp"
  mount --bind "$npm_cache/_cacache" "$root/root/.npm/_cacache"
  # Node 24 and later link libatomic: it comes with Node (a package manager
  # would install it as a dependency), so it is part of "Node installed".
  chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    bash -euo pipefail -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends libatomic1 >/dev/null && rm -rf /var/lib/apt/lists/*"
  exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    ${extra_ca:+NODE_EXTRA_CA_CERTS=$extra_ca} \
    bash -euo pipefail -c "node --version && npm --version && cd /src/netboot && npm ci --no-audit --no-fund && npm test"
' fresh "$root" "$npm_cache" "$extra_ca"
echo "fresh: npm ci && npm test passed in $(( $(date +%s) - start )) s"
