#!/usr/bin/env bash
# `npm ci && npm test` with the Node LTS (scripts/fetch-node.sh lts, from the
# npm registry) on a fresh Debian bookworm that has nothing but Node and npm
# (test/fresh/run.sh): the tests must install what they use themselves, since
# this CI machine already has every package of .ci/apt-packages.txt, and the
# server must pass on the Node line the image ships. .ci/run's own `npm test`
# covers the machine's Node.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash test/fresh/run.sh lts
