#!/usr/bin/env bash
# The example data directory at the repository root must pass `netboot validate`
# (files, references, selectors, and every template rendered for its groups).
# Assets are not checked: the examples name images that are downloaded at deploy time.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/server/cli/main.js ] || npm run -s build
node dist/server/cli/main.js validate -data-path .
