#!/usr/bin/env bash
# Puts iPXE's EFI binaries (ipxe.efi: all drivers; snponly.efi: the firmware's
# own network driver) into an assets directory, so UEFI HTTP boot firmware can
# fetch http://SERVER/assets/ipxe.efi. They come from Debian's `ipxe` package:
# copied from /usr/lib/ipxe when it is installed, otherwise downloaded with
# `apt-get download ipxe` and unpacked with dpkg-deb (nothing is installed).
#
# Usage: scripts/install-ipxe-assets.sh [--download] ASSETS_DIR
set -euo pipefail

usage() { echo "usage: $0 [--download] ASSETS_DIR" >&2; exit 2; }

download=false
if [[ "${1:-}" == "--download" ]]; then download=true; shift; fi
[[ $# -eq 1 && -n "$1" && "$1" != -* ]] || usage
dest=$1
files=(ipxe.efi snponly.efi)
installed=/usr/lib/ipxe

source_dir=$installed
if $download || [[ ! -f "$installed/ipxe.efi" || ! -f "$installed/snponly.efi" ]]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  # _apt cannot write into a root-owned mktemp directory; apt then downloads as
  # the calling user and says so on stderr.
  (cd "$work" && apt-get download -q ipxe) 2> >(grep -v 'Download is performed unsandboxed' >&2)
  deb=$(ls "$work"/ipxe_*.deb 2>/dev/null | head -n1)
  [[ -n "$deb" ]] || { echo "$0: apt-get download ipxe produced no package (try apt-get update)" >&2; exit 1; }
  dpkg-deb -x "$deb" "$work/root"
  source_dir=$work/root/usr/lib/ipxe
  echo "ipxe: from $(basename "$deb")"
else
  echo "ipxe: from the installed package ($(dpkg-query -W -f='${Version}' ipxe 2>/dev/null || echo unknown version))"
fi

mkdir -p "$dest"
for file in "${files[@]}"; do
  [[ -f "$source_dir/$file" ]] || { echo "$0: $file missing from the ipxe package" >&2; exit 1; }
  # Copy then rename, so a server never serves a half-written binary.
  cp "$source_dir/$file" "$dest/.$file.tmp"
  chmod 0644 "$dest/.$file.tmp"
  mv -f "$dest/.$file.tmp" "$dest/$file"
  echo "  $dest/$file ($(stat -c %s "$dest/$file") bytes)"
done
