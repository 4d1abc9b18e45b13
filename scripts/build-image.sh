#!/usr/bin/env bash
# Builds the netboot image with podman from the local base made by
# scripts/build-base-image.sh (no container registry needed). Prints the image name.
#
# Usage: scripts/build-image.sh [IMAGE]    (default localhost/netboot:test)
set -euo pipefail

image="${1:-localhost/netboot:test}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo_root/test/image/containers.conf}"
base="$("$repo_root/scripts/build-base-image.sh")"

# Registry traffic may pass a TLS-inspecting proxy whose CA only the host trusts:
# mount the host's bundle for the build steps (it is not copied into a layer).
ca_args=()
ca_bundle="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [[ -f "$ca_bundle" ]]; then
  ca_args=(-v "$ca_bundle:/run/build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/build-ca.crt)
fi
# npm's download cache (the host's, when there is one) makes npm ci in the build fast.
npm_cache="$(npm config get cache 2>/dev/null || true)"
[[ -d "$npm_cache" ]] || npm_cache="$repo_root/.cache/image/npm"
mkdir -p "$npm_cache"

previous="$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
log="$repo_root/.cache/image/build.log"
if ! podman build --network host --format docker \
  --build-arg "BASE=$base" "${ca_args[@]}" \
  -v "$npm_cache:/root/.npm" \
  -t "$image" "$repo_root" >"$log" 2>&1; then
  tail -40 "$log" >&2
  echo "build-image: podman build failed (full log: $log)" >&2
  exit 1
fi
# Drop the image this build replaced, so repeated builds do not pile up.
current="$(podman image inspect --format '{{.Id}}' "$image")"
if [[ -n "$previous" && "$previous" != "$current" ]]; then podman rmi "$previous" >/dev/null 2>&1 || true; fi
echo "$image"
