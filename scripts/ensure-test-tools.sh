#!/usr/bin/env bash
# Installs the Debian tools that `npm test` runs for real (the Ignition
# validator, dnsmasq and Kea to check generated router configs, WireGuard in
# network namespaces) when one is missing, so `npm ci && npm test` works on a
# fresh machine. Needs root and apt-get; says what is missing otherwise.
set -euo pipefail

declare -A tool_package=(
  [ignition-validate]=ignition
  [dnsmasq]=dnsmasq-base
  [kea-dhcp4]=kea-dhcp4-server
  [wg]=wireguard-tools
  [wireguard-go]=wireguard-go
  [ip]=iproute2
  [iptables]=iptables
)

missing=()
for tool in "${!tool_package[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${tool_package[$tool]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "npm test needs these Debian packages: ${missing[*]} (install them as root with apt-get)" >&2
  exit 1
fi
echo "installing for the tests: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
