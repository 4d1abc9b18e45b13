#!/usr/bin/env bash
# Makes (once) a minimal Debian bookworm root file system with debootstrap and
# caches it as a tarball under .cache/image/; prints the tarball's path. The
# container base image and the fresh-machine test start from it.
#
# Usage: scripts/debian-rootfs.sh    (DEBIAN_MIRROR overrides the mirror)
set -euo pipefail

suite="bookworm"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$repo_root/.cache/image"
rootfs_tar="$cache/$suite-minbase.tar"
mkdir -p "$cache"

if [[ ! -f "$rootfs_tar" ]]; then
  command -v debootstrap >/dev/null || { echo "debian-rootfs: debootstrap is missing (Debian package debootstrap)" >&2; exit 1; }
  rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$cache/debootstrap.log" 2>&1 || {
    tail -20 "$cache/debootstrap.log" >&2
    exit 1
  }
  # Point apt at the same mirror, then drop what an image does not need.
  echo "deb $mirror $suite main" >"$rootfs/etc/apt/sources.list"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  chmod 0755 "$rootfs"   # mktemp made it 0700: the root directory must be readable by all (apt's _apt user)
  tar -C "$rootfs" --numeric-owner -cf "$rootfs_tar.part" .
  mv "$rootfs_tar.part" "$rootfs_tar"
fi
echo "$rootfs_tar"
