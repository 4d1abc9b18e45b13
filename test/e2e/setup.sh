#!/usr/bin/env bash
# Installs the Debian packages the e2e suite needs, if any is missing (in CI,
# .ci/run has installed them from .ci/apt-packages.txt already).
set -euo pipefail

PACKAGES=(qemu-system-x86 ovmf ipxe dnsmasq-base wireguard-go wireguard-tools busybox-static iproute2 iptables iputils-ping curl cpio kmod)

missing=()
for package in "${PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null)" == "install ok installed" ]] || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "all packages present"
fi
