#!/usr/bin/env bash
# An independent client of the gRPC API on Go's gRPC stack (Debian's grpc-go
# and protobuf, no network): Go code generated from netboot's own .proto files
# replays terraform-provider-matchbox's and bootcmd's calls against a running
# `netboot serve -rpc-address`, with certificates from `netboot tls init`,
# checks the HTTP answers and compares the written files with Go's
# json.MarshalIndent (.ci/grpc-go/main.go).
set -euo pipefail
cd "$(dirname "$0")/../.."

for tool in go protoc protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (Debian packages in .ci/apt-packages.txt)" >&2; exit 1; }
done
[ -d /usr/share/gocode/src/google.golang.org/grpc ] || { echo "grpc-go is missing (Debian package golang-google-grpc-dev)" >&2; exit 1; }
dist="${NETBOOT_DIST:-dist}"
[ -f "$dist/server/cli/main.js" ] || npm run -s build
netboot() { node "$dist/server/cli/main.js" "$@"; }

tmp=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Go code from the .proto files, in a GOPATH of its own beside Debian's.
src="$tmp/gopath/src/netboot.test"
mkdir -p "$src/client"
map="Mstoragepb/storage.proto=netboot.test/gen/storagepb,Mserverpb/messages.proto=netboot.test/gen/serverpb,Mrpcpb/rpc.proto=netboot.test/gen/rpcpb"
protoc -I server/rpc/proto --go_out="$tmp/gopath/src" --go_opt="$map" --go-grpc_out="$tmp/gopath/src" --go-grpc_opt="$map" \
  storagepb/storage.proto serverpb/messages.proto rpcpb/rpc.proto
cp .ci/grpc-go/main.go "$src/client/"
GO111MODULE=off GOPATH="$tmp/gopath:/usr/share/gocode" GOPROXY=off GOFLAGS='' GOCACHE="$tmp/gocache" \
  go build -o "$tmp/grpc-client" netboot.test/client

netboot tls init "$tmp/pki" --server-san localhost --server-san 127.0.0.1 >/dev/null
mkdir -p "$tmp/data" "$tmp/scratch"
# node itself in the background (not a shell function), so that $! is the server's PID.
node "$dist/server/cli/main.js" serve -address 127.0.0.1:0 -data-path "$tmp/data" -assets-path= -log-level debug \
  -rpc-address 127.0.0.1:0 -cert-file "$tmp/pki/server.crt" -key-file "$tmp/pki/server.key" -ca-file "$tmp/pki/ca.crt" \
  >/dev/null 2>"$tmp/server.log" &
server_pid=$!

listening=""
for _ in $(seq 1 200); do
  listening=$(grep -m1 '"msg":"listening"' "$tmp/server.log" || true)
  [ -n "$listening" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$listening" ] || { echo "netboot did not start:" >&2; cat "$tmp/server.log" >&2; exit 1; }
http_url=$(printf '%s' "$listening" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).url))')
rpc_port=$(printf '%s' "$listening" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).rpcAddress.split(":").pop()))')

if ! timeout 300 "$tmp/grpc-client" -endpoint "localhost:$rpc_port" -pki "$tmp/pki" -data "$tmp/data" -http "$http_url" -scratch "$tmp/scratch"; then
  echo "== server log" >&2
  tail -n 50 "$tmp/server.log" >&2
  exit 1
fi
# Every write was audited with the client certificate's subject; no key material was logged.
grep -q '"rpc":"GroupPut","object":"groups/node1.json","client":{"subject":"CN=netboot-client"' "$tmp/server.log" || { echo "no audit line for GroupPut" >&2; exit 1; }
if grep -q "PRIVATE KEY" "$tmp/server.log"; then echo "the server logged key material" >&2; exit 1; fi
kill -0 "$server_pid" || { echo "the server died" >&2; exit 1; }
