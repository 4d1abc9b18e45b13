#!/usr/bin/env bash
# The built `netboot butane` against Debian's real ignition-validate: every
# Butane fixture must translate (exit 0) to a config the validator accepts,
# every raw output must be a fixed point of the raw-Ignition path, and a
# config using local files must fail with exit 1. ignition-validate 2.14 knows
# spec 3.4 only as "3.4.0-experimental", so the version is rewritten for it.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v ignition-validate >/dev/null || { echo "ignition-validate is missing (Debian package ignition)" >&2; exit 1; }
# NETBOOT_DIST: where the compiled server is (npm ci's prepare step builds dist/).
dist="${NETBOOT_DIST:-dist}"
[ -f "$dist/server/cli/main.js" ] || npm run build >/dev/null
netboot() { node "$dist/server/cli/main.js" "$@"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

count=0
for bu in test/fixtures/butane/*.bu; do
  netboot butane "$bu" >"$tmp/out.json" 2>"$tmp/warnings.txt"
  sed -E 's/"version":"3\.[45]\.0"/"version":"3.4.0-experimental"/' "$tmp/out.json" >"$tmp/for-validator.json"
  if ! ignition-validate "$tmp/for-validator.json" >"$tmp/report.txt" 2>&1; then
    echo "ignition-validate rejected the translation of $bu:" >&2
    cat "$tmp/report.txt" >&2
    exit 1
  fi
  # Warnings are fine; an unknown key other than the fields final 3.4/3.5 added is not.
  if grep -E '^error|Unused key' "$tmp/report.txt" | grep -v -E 'Unused key (discard|openOptions|advertisement|cex)$' | grep -q .; then
    echo "ignition-validate reported problems for $bu:" >&2
    cat "$tmp/report.txt" >&2
    exit 1
  fi
  cp "$tmp/out.json" "$tmp/again.ign"
  netboot butane "$tmp/again.ign" >"$tmp/again.json"
  cmp -s "$tmp/out.json" "$tmp/again.json" || { echo "raw re-read of $bu's output changed it" >&2; exit 1; }
  count=$((count + 1))
done
[ "$count" -ge 8 ] || { echo "expected at least 8 Butane fixtures, found $count" >&2; exit 1; }

printf 'variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /x\n      contents:\n        local: x\n' >"$tmp/local.bu"
if netboot butane "$tmp/local.bu" >"$tmp/out.json" 2>"$tmp/err.txt"; then
  echo "a Butane file with local: contents was accepted" >&2
  exit 1
fi
grep -q 'local file paths need a files directory' "$tmp/err.txt"
echo "ignition-validate accepted all $count translated fixtures"
