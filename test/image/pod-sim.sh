#!/usr/bin/env bash
# Runs the chart's rendered Deployment as a real pod (podman kube play): the
# netboot container, its init container and the WireGuard sidecar with the
# capabilities, users, mounts and arguments the chart gives them. A "router"
# namespace dials the pod's WireGuard endpoint with wireguard-go, as a home
# router would through the cloud load balancer, and fetches boot files through
# the tunnel. Needs the image from test/image/run.sh (scripts/build-image.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$repo_root/test/image/containers.conf"
image_repo="localhost/netboot" image_tag="test"
netboot=(node "$repo_root/dist/server/cli/main.js")
helm="$("$repo_root/scripts/fetch-helm.sh" 4)"
tag="nbsim$$"
router_ns="$tag-rtr"
pod_ip="203.0.113.2" router_ip="203.0.113.1"
tunnel="198.51.100.0/24" server_tunnel_ip="198.51.100.1"
wg_if="${tag}wg"
work="$(mktemp -d)"
passed=0 failed=0 wg_pid=""

cleanup() {
  if [[ -n "$wg_pid" ]]; then kill "$wg_pid" 2>/dev/null || true; fi
  if [[ -f "$work/play.yaml" ]]; then podman kube play --down "$work/play.yaml" >/dev/null 2>&1 || true; fi
  ip netns del "$router_ns" 2>/dev/null || true
  ip link del "$tag-r" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

check() {
  local name="$1"; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
ms() { date +%s%3N; }
start=$(ms)

# WireGuard state as a user makes it, plus one router peer.
"${netboot[@]}" wireguard init --state "$work/wg" --endpoint "$pod_ip:51820" --tunnel "$tunnel" 2>/dev/null >/dev/null
"${netboot[@]}" wireguard peer add home --state "$work/wg" --lan 192.0.2.0/25 --format wg-quick \
  --output "values=$work/wireguard-values.yaml" >"$work/$wg_if.conf" 2>"$work/peer-add.log" || { cat "$work/peer-add.log"; exit 1; }

cat >"$work/sim-values.yaml" <<YAML
image: {repository: "$image_repo", tag: "$image_tag", pullPolicy: IfNotPresent}
data:
  fromChartFiles: false
  profiles:
    worker.json: '{"id": "worker", "boot": {"kernel": "/assets/vmlinuz", "args": ["console=ttyS0"]}}'
  groups:
    worker.json: '{"id": "worker", "profile": "worker", "selector": {"mac": "52:54:00:12:34:56"}}'
YAML
"$helm" template sim "$repo_root/chart" -n boot -f "$work/wireguard-values.yaml" -f "$work/sim-values.yaml" \
  >"$work/rendered.yaml" 2>/dev/null
node "$repo_root/test/image/kube-play-adapter.mjs" "$work/rendered.yaml" "$work/secrets" >"$work/play.yaml"

podman kube play --network none "$work/play.yaml" >"$work/play.log" 2>&1 || { cat "$work/play.log"; exit 1; }
pod_id="$(sed -n '/^Pod:/{n;p;q}' "$work/play.log")"
pod="$(podman pod inspect --format '{{.Name}}' "$pod_id")"
infra_pid="$(podman inspect --format '{{.State.Pid}}' "$(podman pod inspect --format '{{.InfraContainerID}}' "$pod")")"

# The router's namespace, wired to the pod's network namespace by a veth; this
# stands in for the cloud load balancer's UDP path.
ip netns add "$router_ns"
ip link add "$tag-r" type veth peer name "$tag-p"
ip link set "$tag-r" netns "$router_ns"
ip link set "$tag-p" netns "/proc/$infra_pid/ns/net"
ip -n "$router_ns" addr add "$router_ip/24" dev "$tag-r"
ip -n "$router_ns" link set lo up
ip -n "$router_ns" link set "$tag-r" up
nsenter -t "$infra_pid" -n ip addr add "$pod_ip/24" dev "$tag-p"
nsenter -t "$infra_pid" -n ip link set "$tag-p" up

# The router: wireguard-go with the config `peer add` printed.
router_addr="$(sed -n 's/^Address *= *//p' "$work/$wg_if.conf" | cut -d, -f1)"
wg-quick strip "$work/$wg_if.conf" >"$work/router-wg.conf"
ip netns exec "$router_ns" wireguard-go -f "$wg_if" >"$work/router-wg.log" 2>&1 &
wg_pid=$!
for _ in $(seq 1 50); do ip -n "$router_ns" link show "$wg_if" >/dev/null 2>&1 && break; sleep 0.1; done
ip netns exec "$router_ns" wg setconf "$wg_if" "$work/router-wg.conf"
ip -n "$router_ns" addr add "$router_addr" dev "$wg_if"
ip -n "$router_ns" link set "$wg_if" mtu 1420 up
ip -n "$router_ns" route replace "$tunnel" dev "$wg_if"

router() { ip netns exec "$router_ns" "$@"; }
url="http://$server_tunnel_ip:8080"

tunnel_up=false
for _ in $(seq 1 40); do
  if router curl -fsS --max-time 1 -o /dev/null "$url/" 2>/dev/null; then tunnel_up=true; break; fi
  sleep 0.5
done
check "netboot answers through the WireGuard tunnel" $tunnel_up
if ! $tunnel_up; then
  podman pod logs "$pod" 2>&1 | tail -30
fi
check "/boot.ipxe through the tunnel" bash -c "ip netns exec $router_ns curl -fsS --max-time 5 $url/boot.ipxe | head -1 | grep -qx '#!ipxe'"
check "/ipxe renders the chart's group and profile" bash -c "ip netns exec $router_ns curl -fsS --max-time 5 '$url/ipxe?mac=52:54:00:12:34:56' | grep -q 'kernel /assets/vmlinuz'"
check "/assets/ipxe.efi was seeded by the init container" bash -c "ip netns exec $router_ns curl -fsS --max-time 10 -o /dev/null $url/assets/ipxe.efi"
handshake() { router wg show "$wg_if" latest-handshakes | awk '{ exit !($2 > 0) }'; }
check "the router completed a WireGuard handshake" handshake

netboot_uid() { [[ "$(podman exec "$pod-netboot" id -u)" == "65532" ]]; }
check "netboot runs as uid 65532" netboot_uid
sidecar_caps() {
  # NET_ADMIN is bit 12: effective set 0x1000 and nothing else.
  podman exec "$pod-wireguard" grep -q '^CapEff:[[:space:]]*0000000000001000$' /proc/1/status
}
check "the sidecar has NET_ADMIN and no other capability" sidecar_caps

# The probes the adapter removed, run by hand: the sidecar's exec probe inside
# it, netboot's HTTP probe paths against the pod.
rendered_field() { # rendered_field JS-EXPRESSION-OVER-deployment
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parseAllDocuments } from "yaml";
    const deployment = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS()).find((d) => d?.kind === "Deployment");
    const containers = Object.fromEntries(deployment.spec.template.spec.containers.map((c) => [c.name, c]));
    process.stdout.write(String(eval(process.argv[2])));
  ' "$work/rendered.yaml" "$1"
}
sidecar_probe() {
  local -a command
  mapfile -d '' -t command < <(rendered_field 'containers.wireguard.readinessProbe.exec.command.join("\0")')
  [[ ${#command[@]} -gt 0 ]] && podman exec "$pod-wireguard" "${command[@]}" >/dev/null
}
check "the sidecar's readiness probe passes" sidecar_probe
http_probes() {
  local path
  for probe in livenessProbe readinessProbe; do
    path="$(rendered_field "containers.netboot.$probe.httpGet.path")"
    router curl -fsS --max-time 5 -o /dev/null "$url$path" || return 1
  done
}
check "netboot's liveness and readiness paths answer 2xx" http_probes

# The `helm test` pod's command, run with the image's own Node against the
# server (the Service name swapped for the pod's loopback address).
helm_test_script() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    import { parseAllDocuments } from "yaml";
    const docs = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJS());
    const pod = docs.find((d) => d?.kind === "Pod" && d.metadata.annotations?.["helm.sh/hook"] === "test");
    const command = pod.spec.containers[0].command;
    process.stdout.write(JSON.stringify([...command.slice(0, -1), "http://127.0.0.1:8080/boot.ipxe"]));
  ' "$work/rendered.yaml" >"$work/helm-test.json"
  local -a command
  mapfile -d '' -t command < <(node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).join("\0"))' "$work/helm-test.json")
  [[ ${#command[@]} -eq 5 && "${command[0]}" == node ]] || { echo "     unexpected test command: ${#command[@]} arguments"; return 1; }
  podman exec "$pod-netboot" "${command[@]}"
}
check "the helm test pod's script passes against the running server" helm_test_script

# A second router, added the way the docs say: the Secret changes (here: the
# directory standing in for its mount, replaced file by file as kubelet does)
# and the sidecar applies it without a restart, keeping the first tunnel.
add_peer_live() {
  "${netboot[@]}" wireguard peer add office --state "$work/wg" --lan 192.0.2.128/25 --format wg-quick \
    --output "values=$work/wireguard-values.yaml" >/dev/null 2>"$work/peer-add.log" || { cat "$work/peer-add.log"; return 1; }
  local secret_dir
  secret_dir="$(find "$work/secrets" -mindepth 1 -maxdepth 1 -type d | head -1)"
  cp "$work/wg/peers.json" "$secret_dir/.peers.json.new"
  mv "$secret_dir/.peers.json.new" "$secret_dir/peers.json"
  local peers=0
  for _ in $(seq 1 40); do
    peers="$(podman exec "$pod-wireguard" wg show wg0 peers | wc -l)"
    [[ "$peers" == 2 ]] && break
    sleep 0.5
  done
  if [[ "$peers" != 2 ]]; then
    echo "     sidecar sees $peers peer(s); its log:"
    podman logs "$pod-wireguard" 2>&1 | tail -5 | sed 's/^/     /'
    return 1
  fi
  router curl -fsS --max-time 5 -o /dev/null "$url/boot.ipxe"
}
check "a new peer in the mounted Secret is applied live, the first tunnel stays up" add_peer_live
restarts() { [[ "$(podman inspect --format '{{.RestartCount}}' "$pod-wireguard")" == 0 ]]; }
check "the sidecar did not restart" restarts

stop_ms=-1
pod_stops_fast() {
  local t0
  t0=$(ms)
  podman pod stop -t 10 "$pod" >/dev/null
  stop_ms=$(( $(ms) - t0 ))
  echo "     pod stopped in ${stop_ms} ms"
  local codes
  codes="$(podman inspect --format '{{.State.ExitCode}}' "$pod-netboot" "$pod-wireguard" | tr '\n' ' ')"
  echo "     exit codes (netboot, wireguard): $codes"
  [[ "$codes" == "0 0 " && $stop_ms -lt 5000 ]]
}
check "SIGTERM stops both containers with status 0" pod_stops_fast

echo "pod simulation: $(( ($(ms) - start) / 1000 )) s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
