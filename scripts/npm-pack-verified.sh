#!/usr/bin/env bash
# Downloads one npm package's tarball (`npm pack`: no dependencies, no install
# scripts) into DIR, checks it against its pinned npm integrity hash and prints
# its path. A changed package is refused.
#
# Usage: scripts/npm-pack-verified.sh SPEC INTEGRITY DIR
set -euo pipefail

spec="$1" integrity="$2" dir="$3"
mkdir -p "$dir"
work="$(mktemp -d "$dir/pack.XXXXXX")"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$spec" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [[ "$actual" != "$integrity" ]]; then
  echo "npm-pack-verified: integrity mismatch for $spec" >&2
  echo "  expected $integrity" >&2
  echo "  got      $actual" >&2
  exit 1
fi
mv "$tarball" "$dir/"
echo "$dir/$(basename "$tarball")"
