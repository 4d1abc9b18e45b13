#!/usr/bin/env bash
# Real UEFI HTTP boot through WireGuard: QEMU + OVMF + iPXE + dnsmasq +
# wireguard-go in network namespaces, against `netboot serve` (test/e2e/run.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
npm run -s test:e2e
echo "e2e: passed in $(( $(date +%s) - start )) s"
