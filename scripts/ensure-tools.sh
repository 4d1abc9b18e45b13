#!/usr/bin/env bash
# Usage: ensure-tools.sh TOOL=DEBIAN_PACKAGE ...
# Installs the Debian package of each tool that is not on this machine, so that
# `npm ci && npm test` (and `npm run bench`) work on a fresh machine. Needs root
# and apt-get; otherwise says what is missing and fails.
set -euo pipefail

missing=()
for pair in "$@"; do
  tool=${pair%%=*}
  package=${pair#*=}
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "needed Debian packages: ${missing[*]} (install them as root with apt-get)" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
