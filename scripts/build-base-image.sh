#!/usr/bin/env bash
# Builds a local stand-in for the Dockerfile's default BASE (node:26-bookworm-slim)
# from sources reachable without a container registry: a Debian bookworm minbase
# made by debootstrap (scripts/debian-rootfs.sh) plus the Node LTS and npm from
# the npm registry (scripts/fetch-node.sh), all pinned. Prints the image name.
#
# Usage: scripts/build-base-image.sh [IMAGE]   (default localhost/netboot-node-base:<node version>-bookworm)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo_root/test/image/containers.conf}"
node_dir="$("$repo_root/scripts/fetch-node.sh" lts)"
image="${1:-localhost/netboot-node-base:$(basename "$node_dir")-bookworm}"

if podman image exists "$image"; then
  echo "$image"
  exit 0
fi

rootfs_tar="$("$repo_root/scripts/debian-rootfs.sh")"
podman import --quiet "$rootfs_tar" "localhost/netboot-os-base:bookworm" >/dev/null

context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
cp -a "$node_dir" "$context/node"
cat >"$context/Containerfile" <<'CONTAINERFILE'
FROM localhost/netboot-os-base:bookworm
COPY node/ /usr/local/
# Node 24 and later link libatomic.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libatomic1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb \
 && node --version && npm --version
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
CMD ["node"]
CONTAINERFILE
podman build --quiet --network host --format docker -t "$image" "$context" >/dev/null
echo "$image"
