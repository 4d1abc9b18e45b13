#!/usr/bin/env bash
# Container image: build it with podman from a debootstrap base, run it
# read-only with every capability dropped (/boot.ipxe, assets, SIGTERM), then
# run the chart's rendered Deployment as a pod with a WireGuard router peer.
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/fetch-helm.sh 4 >/dev/null
t0=$(date +%s)
bash test/image/run.sh
t1=$(date +%s)
bash test/image/pod-sim.sh
t2=$(date +%s)
echo "image: $((t1 - t0)) s (build and run), pod simulation: $((t2 - t1)) s"
