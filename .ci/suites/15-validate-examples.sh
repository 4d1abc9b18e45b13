#!/usr/bin/env bash
# The example data directory at the repository root must pass `netboot validate`
# (files, references, selectors, and every template rendered for its groups),
# and every asset its profiles boot must be in assets/ or declared in sources/
# (the example Fedora CoreOS release is fetched on first use).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/server/cli/main.js ] || npm run -s build
node dist/server/cli/main.js validate -data-path . -assets-path ./assets
