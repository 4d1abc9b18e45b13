#!/usr/bin/env bash
# Runs the chart's rendered Deployment, installed with no WireGuard values
# (the default), as a real pod (podman kube play): the netboot container, its
# init container and the WireGuard sidecar with the capabilities, users,
# mounts and arguments the chart gives them. A "router" namespace dials the
# pod's WireGuard endpoint with wireguard-go, as a home router would through
# the cloud load balancer, and fetches boot files through the tunnel.
#
# No Kubernetes API server can run here, so the pod talks to the smallest
# stand-in for the calls it makes (test/support/kube-api-stub.mjs: get and
# patch of its Secret, get of its Service, behind a token and TLS), run inside
# the pod's network namespace at the address the adapter gives as
# KUBERNETES_SERVICE_HOST/PORT. The stand-in refuses anything the chart's Role
# would not allow and records every call. Its Secret outlives the pod, as in a
# cluster; a PersistentVolumeClaim is a directory that outlives it too.
#
# Needs the image from test/image/run.sh (scripts/build-image.sh).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CONTAINERS_CONF="$repo_root/test/image/containers.conf"
image_repo="localhost/netboot" image_tag="test"
helm="$("$repo_root/scripts/fetch-helm.sh" 4)"
tag="nbsim$$"
router_ns="$tag-rtr"
pod_ip="203.0.113.2" router_ip="203.0.113.1"
tunnel="198.51.100.0/24" server_tunnel_ip="198.51.100.1"
wg_if="${tag}wg"
api_port=6443
work="$(mktemp -d)"
passed=0 failed=0 wg_pid="" stub_pid="" pod="" infra_pid=""

cleanup() {
  if [[ -n "$wg_pid" ]]; then kill "$wg_pid" 2>/dev/null || true; fi
  if [[ -n "$stub_pid" ]]; then kill "$stub_pid" 2>/dev/null || true; fi
  if [[ -f "$work/play.yaml" ]]; then podman kube play --down "$work/play.yaml" >/dev/null 2>&1 || true; fi
  # Should taking it down fail, the pod must not outlive the suite (its name is this suite's).
  if [[ -n "$pod" ]]; then podman pod rm -f -i "$pod" >/dev/null 2>&1 || true; fi
  podman rmi "$image_repo:upgraded" >/dev/null 2>&1 || true
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

# The stand-in API server's certificate, token and service account folder.
mkdir -p "$work/sa" "$work/claims"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$work/api.key" -out "$work/api.crt" \
  -days 1 -subj /CN=kube-api-stub -addext subjectAltName=IP:127.0.0.1 2>/dev/null
cp "$work/api.crt" "$work/sa/ca.crt"
head -c 24 /dev/urandom | base64 | tr -d '\n' >"$work/sa/token"
echo -n boot >"$work/sa/namespace"
chmod 0644 "$work/sa/"*
cat >"$work/stub.json" <<JSON
{"host": "127.0.0.1", "port": $api_port, "certFile": "$work/api.crt", "keyFile": "$work/api.key",
 "token": "$(cat "$work/sa/token")", "namespace": "boot", "secret": "sim-netboot-wireguard", "service": "sim-netboot-wireguard",
 "lbIp": "$pod_ip", "udpPort": 51820, "stateFile": "$work/secrets.json", "requestsFile": "$work/requests.json"}
JSON

# Only the image and the data are given: WireGuard comes from the chart's defaults.
cat >"$work/sim-values.yaml" <<YAML
image: {repository: "$image_repo", tag: "$image_tag", pullPolicy: IfNotPresent}
wireguard: {tunnel: "$tunnel"}
data:
  fromChartFiles: false
  profiles:
    worker.json: '{"id": "worker", "boot": {"kernel": "/assets/vmlinuz", "args": ["console=ttyS0", "root_url=http://netboot.example.internal:8080/assets/os/root.img"]}}'
  groups:
    worker.json: '{"id": "worker", "profile": "worker", "selector": {"mac": "52:54:00:12:34:56"}}'
YAML

# play_pod [HELM-ARGS...]: renders the chart, plays it, starts the stand-in
# API server in the pod's network namespace and wires the router's veth to it.
play_pod() {
  "$helm" template sim "$repo_root/chart" -n boot -f "$work/sim-values.yaml" "$@" >"$work/rendered.yaml" 2>/dev/null
  SIM_SERVICE_ACCOUNT_DIR="$work/sa" SIM_KUBE_API="127.0.0.1:$api_port" SIM_CLAIM_ROOT="$work/claims" \
    node "$repo_root/test/image/kube-play-adapter.mjs" "$work/rendered.yaml" "$work/secrets" >"$work/play.yaml"
  # A pod of the same name left by an earlier run of this suite that was cut short would stop this one.
  podman kube play --down "$work/play.yaml" >/dev/null 2>&1 || true
  podman kube play --network none "$work/play.yaml" >"$work/play.log" 2>&1 || { cat "$work/play.log"; return 1; }
  local pod_id
  pod_id="$(sed -n '/^Pod:/{n;p;q}' "$work/play.log")"
  pod="$(podman pod inspect --format '{{.Name}}' "$pod_id")"
  infra_pid="$(podman inspect --format '{{.State.Pid}}' "$(podman pod inspect --format '{{.InfraContainerID}}' "$pod")")"
  # The sidecar started first and retries the API until the stand-in answers, as after an API server outage.
  nsenter -t "$infra_pid" -n node "$repo_root/test/support/kube-api-stub.mjs" "$work/stub.json" >"$work/stub.log" 2>&1 &
  stub_pid=$!
  ip -n "$router_ns" link del "$tag-r" 2>/dev/null || true # gone with the old pod's namespace, normally
  ip link add "$tag-r" type veth peer name "$tag-p"
  ip link set "$tag-r" netns "$router_ns"
  ip link set "$tag-p" netns "/proc/$infra_pid/ns/net"
  ip -n "$router_ns" addr add "$router_ip/24" dev "$tag-r"
  ip -n "$router_ns" link set "$tag-r" up
  nsenter -t "$infra_pid" -n ip addr add "$pod_ip/24" dev "$tag-p"
  nsenter -t "$infra_pid" -n ip link set "$tag-p" up
}

# stop_pod: the pod goes away as a rollout replaces it (SIGTERM, then removal).
stop_pod() {
  podman kube play --down "$work/play.yaml" >/dev/null 2>&1
  kill "$stub_pid" 2>/dev/null || true
  wait "$stub_pid" 2>/dev/null || true
  stub_pid=""
}

router() { ip netns exec "$router_ns" "$@"; }
url="http://$server_tunnel_ip:8080"
secret_field() { # secret_field KEY: the decoded value of a key of the stand-in's Secret
  node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))["sim-netboot-wireguard"];
    const v = s && s.data && s.data[process.argv[2]]; process.stdout.write(v ? Buffer.from(v, "base64").toString() : "")' "$work/secrets.json" "$1"
}
server_public_key() { secret_field server.json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(s?JSON.parse(s).publicKey:""))'; }

ip netns add "$router_ns"
ip -n "$router_ns" link set lo up
play_pod

# 1. First start: the sidecar makes the key and stores it in the empty Secret.
first_key=""
key_stored() {
  for _ in $(seq 1 120); do
    first_key="$(server_public_key 2>/dev/null || true)"
    [[ -n "$first_key" ]] && return 0
    sleep 0.5
  done
  podman logs "$pod-wireguard" 2>&1 | tail -10 | sed 's/^/     /'
  return 1
}
check "first start: the sidecar makes the server key and stores it in the Secret" key_stored
private_key_kept() {
  local key
  key="$(secret_field private-key | tr -d '\n')"
  [[ -n "$key" ]] && ! podman logs "$pod-wireguard" 2>&1 | grep -qF "$key"
}
check "the private key is in the Secret, and nowhere in the sidecar's log" private_key_kept

# 2. The documented command: peer add through exec, endpoint from the Service.
add_router() {
  podman exec "$pod-wireguard" netboot wireguard peer add home --lan 192.0.2.0/25 --format wg-quick \
    >"$work/$wg_if.conf" 2>"$work/peer-add.log" || { cat "$work/peer-add.log"; return 1; }
  grep -q "^Endpoint = $pod_ip:51820$" "$work/$wg_if.conf" || { echo "     endpoint not from the Service:"; grep Endpoint "$work/$wg_if.conf"; return 1; }
  grep -q "applied live on wg0" "$work/peer-add.log" || { sed 's/^/     /' "$work/peer-add.log"; return 1; }
  [[ "$(secret_field peers.json | grep -c '"name": "home"')" == 1 ]]
}
check "peer add through exec stores the router in the Secret, applies it live, prints its config with the Service's address" add_router

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

reachable() { # reachable ATTEMPTS: the router gets an answer from netboot through the tunnel
  for _ in $(seq 1 "$1"); do
    router curl -fsS --max-time 1 -o /dev/null "$url/" 2>/dev/null && return 0
    sleep 0.5
  done
  return 1
}
tunnel_up=false
if reachable 40; then tunnel_up=true; fi
check "netboot answers through the WireGuard tunnel" $tunnel_up
if ! $tunnel_up; then podman pod logs "$pod" 2>&1 | tail -30; fi
handshake() { router wg show "$wg_if" latest-handshakes | awk '{ exit !($2 > 0) }'; }
check "the router completed a WireGuard handshake" handshake
check "/boot.ipxe through the tunnel" bash -c "ip netns exec $router_ns curl -fsS --max-time 5 $url/boot.ipxe | head -1 | grep -qx '#!ipxe'"
check "/ipxe renders the chart's group and profile, with the placeholder origin replaced by the tunnel URL" bash -c \
  "ip netns exec $router_ns curl -fsS --max-time 5 '$url/ipxe?mac=52:54:00:12:34:56' | grep -q 'kernel /assets/vmlinuz console=ttyS0 root_url=http://$server_tunnel_ip:8080/assets/os/root.img'"
check "/assets/ipxe.efi was seeded by the init container" bash -c "ip netns exec $router_ns curl -fsS --max-time 10 -o /dev/null $url/assets/ipxe.efi"

# 3. Only the boot port comes in through the tunnel: the views listen apart and are filtered.
views_filtered() {
  if router curl -sS --max-time 3 -o /dev/null "http://$server_tunnel_ip:9090/metrics" 2>/dev/null; then
    echo "     /metrics on :9090 answered through the tunnel"; return 1
  fi
  podman exec "$pod-netboot" node -e 'fetch("http://127.0.0.1:9090/metrics").then(async (r) => { const t = await r.text(); process.exit(r.status === 200 && t.includes("netboot_wireguard_peer") ? 0 : 1); }, () => process.exit(1))'
}
check "the views answer in the pod on :9090, but not through the tunnel" views_filtered
ping_ok() { router ping -c 1 -W 3 "$server_tunnel_ip" >/dev/null; }
check "ICMP still passes the tunnel filter" ping_ok

netboot_uid() { [[ "$(podman exec "$pod-netboot" id -u)" == "65532" ]]; }
check "netboot runs as uid 65532" netboot_uid
sidecar_caps() {
  # NET_ADMIN is bit 12: effective set 0x1000 and nothing else.
  podman exec "$pod-wireguard" grep -q '^CapEff:[[:space:]]*0000000000001000$' /proc/1/status
}
check "the sidecar has NET_ADMIN and no other capability" sidecar_caps
no_token_in_netboot() { ! podman exec "$pod-netboot" test -e /var/run/secrets/kubernetes.io/serviceaccount/token; }
check "netboot, which faces the boot network, has no service account token" no_token_in_netboot

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

# 4. A second router, added the same way while the first one is connected:
# applied live, the first tunnel keeps its session, nothing restarts.
second_router() {
  local before after
  before="$(router wg show "$wg_if" latest-handshakes | awk '{print $2}')"
  podman exec "$pod-wireguard" netboot wireguard peer add office --lan 192.0.2.128/25 --format openwrt \
    >"$work/office.uci" 2>"$work/peer-add.log" || { cat "$work/peer-add.log"; return 1; }
  grep -q "applied live" "$work/peer-add.log" || return 1
  [[ "$(podman exec "$pod-wireguard" wg show wg0 peers | wc -l)" == 2 ]] || return 1
  router curl -fsS --max-time 5 -o /dev/null "$url/boot.ipxe" || return 1
  after="$(router wg show "$wg_if" latest-handshakes | awk '{print $2}')"
  [[ "$before" == "$after" ]] || { echo "     the first router's handshake changed ($before → $after)"; return 1; }
  [[ "$(podman inspect --format '{{.RestartCount}}' "$pod-wireguard")" == 0 ]]
}
check "a second router is applied live: the first tunnel keeps its session, the sidecar does not restart" second_router

# What the pod asked of the API: exactly what the chart's Role grants.
api_calls() {
  sleep 0.5 # the stand-in writes its record every 200 ms
  # shellcheck disable=SC2016 # JavaScript, not shell
  node -e '
    const calls = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const kinds = [...new Set(calls.map((c) => `${c.method} ${c.path} ${c.status}`))].sort();
    const allowed = new Set([
      "GET /api/v1/namespaces/boot/secrets/sim-netboot-wireguard 200",
      "PATCH /api/v1/namespaces/boot/secrets/sim-netboot-wireguard 200",
      "GET /api/v1/namespaces/boot/services/sim-netboot-wireguard 200",
    ]);
    const other = kinds.filter((k) => !allowed.has(k));
    if (other.length || kinds.length !== 3) { console.log("     calls:", kinds.join("; ")); process.exit(1); }
  ' "$work/requests.json"
}
check "the pod's API calls were only get/patch of its Secret and get of its Service" api_calls

# 5. An OS image on the assets volume (as `kubectl cp` puts it there), then the
# pod is replaced as `helm upgrade` to a new image version replaces it, while
# a machine is downloading: the download in flight is lost, a retry succeeds,
# and the key, the routers and the assets are the same.
head -c $((48 * 1024 * 1024)) /dev/urandom >"$work/root.img"
# What `kubectl cp root.img POD:/var/lib/netboot/assets/os/root.img -c netboot` runs: tar in the container.
podman exec "$pod-netboot" mkdir -p /var/lib/netboot/assets/os
tar -cf - -C "$work" root.img | podman exec -i "$pod-netboot" tar -xf - -C /var/lib/netboot/assets/os
image_sha="$(sha256sum <"$work/root.img" | cut -d' ' -f1)"
# The user's own iPXE build in place of the one the image seeded.
echo "my own ipxe.efi build" | podman exec -i "$pod-netboot" sh -c 'cat >/var/lib/netboot/assets/ipxe.efi'
served_sha() { router curl -fsS --connect-timeout 2 --max-time 20 "$url/assets/os/root.img" | sha256sum | cut -d' ' -f1; }
check "an asset copied into the volume is served through the tunnel" test "$(served_sha)" == "$image_sha"

router curl -sS --max-time 60 --limit-rate 1M -o "$work/in-flight.img" "$url/assets/os/root.img" 2>/dev/null &
download_pid=$!
sleep 2
podman tag "$image_repo:$image_tag" "$image_repo:upgraded"
stop_pod
t_replace=$(ms)
play_pod --set image.tag=upgraded

retry_download() { # a machine retrying: its next attempts (for at most 90 s) get the whole file
  local got="" deadline=$(( $(date +%s) + 90 ))
  while (( $(date +%s) < deadline )); do
    got="$(served_sha 2>/dev/null || true)"
    [[ "$got" == "$image_sha" ]] && return 0
    sleep 1
  done
  podman pod logs "$pod" 2>&1 | tail -20 | sed 's/^/     /'
  return 1
}
check "after the pod was replaced, a machine retrying gets the same file (assets on the claim survived)" retry_download
echo "     the whole file through the tunnel $(( ($(ms) - t_replace) / 1000 )) s after the new pod was started"
download_status=0
wait "$download_pid" || download_status=$?
check "the download that was in flight when the pod went away failed (and only that one)" test "$download_status" -ne 0
same_key() { [[ "$(server_public_key)" == "$first_key" ]] && ! podman logs "$pod-wireguard" 2>&1 | grep -q "stored a new server key"; }
check "the new pod uses the key stored in the Secret (no new key)" same_key
check "the router's unchanged config still connects, and both routers are configured" bash -c \
  "[[ \$(podman exec $pod-wireguard wg show wg0 peers | wc -l) == 2 ]] && ip netns exec $router_ns curl -fsS --max-time 5 -o /dev/null '$url/ipxe?mac=52:54:00:12:34:56'"
own_ipxe() { [[ "$(router curl -fsS --max-time 5 "$url/assets/ipxe.efi")" == "my own ipxe.efi build" ]]; }
check "the new pod's seed did not overwrite the user's ipxe.efi on the volume" own_ipxe

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
