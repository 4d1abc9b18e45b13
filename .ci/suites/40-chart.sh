#!/usr/bin/env bash
# Helm chart: lint, render with Helm 4 and Helm 3, schema and unknown-field
# validation of every object, values the schema must refuse, NOTES and hooks.
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/fetch-helm.sh 4 >/dev/null
scripts/fetch-helm.sh 3 >/dev/null
mkdir -p .cache
npx vitest run --config test/chart/vitest.config.ts
