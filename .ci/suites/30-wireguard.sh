#!/usr/bin/env bash
# WireGuard for real: `netboot wireguard init`, `peer add`, `up` and `status`
# with wireguard-go, wg, wg-quick and iptables in network namespaces the test
# creates and removes (test/wireguard/ns/). Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
  echo "30-wireguard: needs root (network namespaces)" >&2
  exit 1
fi
for tool in wg wg-quick wireguard-go ip iptables; do
  command -v "$tool" >/dev/null || { echo "30-wireguard: $tool missing (see .ci/apt-packages.txt)" >&2; exit 1; }
done
# npm ci builds dist/ (prepare); build it if this runs on its own.
[ -f dist/server/cli/main.js ] || npm run -s build
npx vitest run --config test/wireguard/vitest.ns.config.ts
