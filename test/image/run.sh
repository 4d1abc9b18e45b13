#!/usr/bin/env bash
# Builds the image and runs it the way the chart does: read-only root, every
# capability dropped, non-root, inside a network namespace this script makes.
# Checks /boot.ipxe, a rendered /ipxe, the shipped iPXE EFI binary (with the
# data mounted as the Dockerfile documents), the user, and that SIGTERM stops
# the server within 2 s.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$repo_root/test/image/containers.conf"
image="localhost/netboot:test"
tag="nbimg$$"
server_ns="$tag-srv" client_ns="$tag-cli"
server_ip="203.0.113.2" client_ip="203.0.113.1"
container="$tag-server"
data="$(mktemp -d)"
passed=0 failed=0

cleanup() {
  podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
  ip netns del "$server_ns" 2>/dev/null || true
  ip netns del "$client_ns" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

check() { # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then
    echo "ok   $name"; passed=$((passed + 1))
  else
    echo "FAIL $name"; failed=$((failed + 1))
  fi
}

ms() { date +%s%3N; }

# Dockerfile lint: dockerfile-utils exits 0 on warnings, so any output fails.
lint="$("$repo_root/node_modules/.bin/dockerfile-utils" lint "$repo_root/Dockerfile" 2>&1)" || true
check "Dockerfile lint is clean" test -z "$lint"
[[ -z "$lint" ]] || echo "$lint"

start=$(ms)
"$repo_root/scripts/build-image.sh" "$image" >/dev/null
echo "image built in $(( ($(ms) - start) / 1000 )) s: $(podman image inspect --format '{{.Size}}' "$image" | numfmt --to=iec) bytes"

# Two namespaces joined by a veth: the container lives in one, the client in the other.
ip netns add "$server_ns"
ip netns add "$client_ns"
ip link add "$tag-a" type veth peer name "$tag-b"
ip link set "$tag-a" netns "$server_ns"
ip link set "$tag-b" netns "$client_ns"
ip -n "$server_ns" addr add "$server_ip/24" dev "$tag-a"
ip -n "$client_ns" addr add "$client_ip/24" dev "$tag-b"
for ns in "$server_ns" "$client_ns"; do ip -n "$ns" link set lo up; done
ip -n "$server_ns" link set "$tag-a" up
ip -n "$client_ns" link set "$tag-b" up

# A small Matchbox data directory: one profile, one group.
mkdir -p "$data/profiles" "$data/groups" "$data/ignition" "$data/generic"
cat >"$data/profiles/worker.json" <<'JSON'
{"id": "worker", "boot": {"kernel": "/assets/vmlinuz", "initrd": ["/assets/initrd.img"], "args": ["console=ttyS0"]}}
JSON
cat >"$data/groups/worker.json" <<'JSON'
{"id": "worker", "profile": "worker", "selector": {"mac": "52:54:00:12:34:56"}}
JSON
chmod -R a+rX "$data"

# The data mounted as the Dockerfile's documented `docker run` mounts it ($PWD = the data directory).
documented="$(sed -n '/^#   docker run/,/netboot$/p' "$repo_root/Dockerfile" | sed -E 's/^#[[:space:]]*//; s/\\$//' | tr '\n' ' ')"
volumes=()
while read -r volume; do
  [[ -n "$volume" ]] && volumes+=(-v "${volume//\$PWD/$data}")
done < <(grep -oE -- '-v "[^"]+"' <<<"$documented" | sed -E 's/^-v "(.*)"$/\1/')
check "the Dockerfile documents a docker run command that mounts the data folders" test $(( ${#volumes[@]} / 2 )) -ge 4

podman run -d --name "$container" \
  --network "ns:/run/netns/$server_ns" \
  --read-only --cap-drop=ALL --security-opt=no-new-privileges \
  "${volumes[@]}" \
  "$image" >/dev/null

client() { ip netns exec "$client_ns" "$@"; }
url="http://$server_ip:8080"

ready=false
for _ in $(seq 1 60); do
  if client curl -fsS --max-time 1 -o /dev/null "$url/" 2>/dev/null; then ready=true; break; fi
  sleep 0.25
done
check "server answers within 15 s of start" $ready
if ! $ready; then podman logs "$container" | tail -20; fi

boot_ipxe() { client curl -fsS --max-time 5 "$url/boot.ipxe" | head -1 | grep -qx '#!ipxe'; }
check "/boot.ipxe is an iPXE script" boot_ipxe

ipxe_for_mac() { client curl -fsS --max-time 5 "$url/ipxe?mac=52:54:00:12:34:56" | grep -q 'kernel /assets/vmlinuz'; }
check "/ipxe renders the matching profile from the mounted data" ipxe_for_mac

efi_binary() {
  local expected got
  expected=$(podman run --rm --network none --read-only --cap-drop=ALL --entrypoint sha256sum "$image" /usr/share/netboot/assets/ipxe.efi | cut -d' ' -f1)
  got=$(client curl -fsS --max-time 10 "$url/assets/ipxe.efi" | sha256sum | cut -d' ' -f1)
  [[ -n "$expected" && "$expected" == "$got" ]]
}
check "/assets/ipxe.efi serves the image's iPXE EFI build" efi_binary

non_root() { [[ "$(podman exec "$container" id -u)" == "65532" ]]; }
check "runs as uid 65532" non_root

no_caps() { podman exec "$container" grep -q '^CapEff:[[:space:]]*0000000000000000$' /proc/1/status; }
check "has no effective capabilities" no_caps

read_only() { ! podman exec "$container" touch /app/x 2>/dev/null; }
check "root file system is read-only" read_only

sigterm_ms=-1
stop_fast() {
  # Measured from just before the signal to the exit time podman recorded, so
  # the podman CLI's own start-up (slow on a loaded machine) is not counted twice.
  local t0 finished code
  t0=$(ms)
  podman kill --signal TERM "$container" >/dev/null
  code=$(timeout 10 podman wait "$container") || code="none (still running after 10 s)"
  finished=$(podman inspect --format '{{.State.FinishedAt.UnixMilli}}' "$container")
  sigterm_ms=$((finished - t0))
  echo "     SIGTERM → exit status $code after ${sigterm_ms} ms"
  [[ "$code" == "0" && $sigterm_ms -lt 2000 ]]
}
check "SIGTERM stops the server with status 0 within 2 s" stop_fast

echo "image suite: $(( ($(ms) - start) / 1000 )) s in all"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
