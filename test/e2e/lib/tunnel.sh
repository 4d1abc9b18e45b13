# shellcheck shell=bash
# The WireGuard tunnel, configured only from `netboot wireguard` output:
# `init` + `up` on the cloud side, `peer add --format wg-quick` applied on the
# router with `wg-quick strip` + `wg setconf` + `ip` (+ the config's PostUp
# lines, which clamp the TCP MSS).

# wg_quick_values FILE SECTION KEY: every value of KEY in [SECTION], one per line.
wg_quick_values() {
  awk -v section="[$2]" -v key="$3" '
    /^[[:space:]]*\[/ { current = $1; next }
    current == section {
      line = $0; sub(/#.*/, "", line)
      split(line, kv, "=")
      name = kv[1]; gsub(/[[:space:]]/, "", name)
      if (name == key) { sub(/^[^=]*=[[:space:]]*/, "", line); sub(/[[:space:]]+$/, "", line); print line }
    }' "$1"
}

# apply_wg_quick NAMESPACE FILE: what `wg-quick up FILE` does, with wireguard-go
# started by us (so it is stopped by PID) instead of daemonised.
apply_wg_quick() {
  local ns=$1 file=$2 ifname address allowed mtu command
  ifname=$(basename "$file" .conf)
  start_in_ns wireguard-go-router "$ns" wireguard-go -f "$ifname"
  wait_until 10 "wireguard-go to create $ifname" test -S "/var/run/wireguard/$ifname.sock" || return 1
  ip netns exec "$ns" wg setconf "$ifname" <(wg-quick strip "$file")
  for address in $(wg_quick_values "$file" Interface Address | tr ',' ' '); do
    ip -n "$ns" addr add "$address" dev "$ifname"
  done
  mtu=$(wg_quick_values "$file" Interface MTU)
  ip -n "$ns" link set "$ifname" ${mtu:+mtu "$mtu"} up
  for allowed in $(wg_quick_values "$file" Peer AllowedIPs | tr ',' ' '); do
    ip -n "$ns" route replace "$allowed" dev "$ifname"
  done
  while IFS= read -r command; do
    [[ -n "$command" ]] && ip netns exec "$ns" bash -c "${command//%i/$ifname}"
  done < <(wg_quick_values "$file" Interface PostUp)
}

setup_tunnel() {
  local state=$RUN/wireguard-state config
  WG_CLOUD_IF="${E2E_ID}c"
  WG_ROUTER_IF="${E2E_ID}r"
  netboot wireguard init --state "$state" --endpoint "$WAN_CLOUD:$WG_PORT" --tunnel "$TUNNEL" \
    >"$LOGS/wireguard-init.log" 2>&1 || { cat "$LOGS/wireguard-init.log" >&2; return 1; }
  config=$RUN/$WG_ROUTER_IF.conf
  # The router's config carries its private key: written 0600, never logged.
  (umask 077 && netboot wireguard peer add homelab --state "$state" --lan "192.0.2.0/$LAN_PREFIX" --format wg-quick \
    >"$config" 2>>"$LOGS/wireguard-init.log") || { cat "$LOGS/wireguard-init.log" >&2; return 1; }
  SERVER_TUNNEL_IP=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).address)' "$state/server.json")

  start_in_ns wireguard-up "$NS_CLOUD" node "$REPO/dist/server/cli/main.js" wireguard up \
    --state "$state" --interface "$WG_CLOUD_IF" --userspace
  wait_until 20 "netboot wireguard up to configure $WG_CLOUD_IF" \
    bash -c "ip -n '$NS_CLOUD' -4 addr show dev '$WG_CLOUD_IF' | grep -q 'inet $SERVER_TUNNEL_IP/'" || return 1
  apply_wg_quick "$NS_ROUTER" "$config" || return 1
  # The first packets start the handshake; ping with a deadline rather than a count.
  ip netns exec "$NS_ROUTER" ping -c 1 -w 15 "$SERVER_TUNNEL_IP" >"$LOGS/tunnel-ping.log" 2>&1
}
