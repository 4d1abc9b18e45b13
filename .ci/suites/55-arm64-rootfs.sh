#!/usr/bin/env bash
# The release image's arm64 half without an arm64 machine: a Debian arm64 root
# file system (debootstrap --foreign, QEMU user emulation) with the image's
# packages, Node for arm64 and netboot serving /boot.ipxe. The first run
# bootstraps the arm64 base (several minutes, emulated); later runs reuse
# .cache/image/bookworm-minbase-arm64.tar.
set -euo pipefail
cd "$(dirname "$0")/../.."

npm run build >/dev/null
bash test/image/arm64-rootfs.sh
