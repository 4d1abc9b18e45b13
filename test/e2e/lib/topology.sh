# shellcheck shell=bash
# Three network namespaces, addresses only from the documentation ranges:
#
#   lab    bridge + the VM's tap + the LAN side of a veth     (LAN 192.0.2.0/24, 2001:db8:2::/64)
#   router LAN 192.0.2.1, WAN 203.0.113.1, dnsmasq, WireGuard client, MSS clamp
#   cloud  WAN 203.0.113.2: the WireGuard endpoint and netboot, one namespace as in a pod
#
# The tunnel (198.51.100.0/24) is configured later from `netboot wireguard` output.

LAN_ROUTER=192.0.2.1
LAN_PREFIX=24
LAN6_ROUTER=2001:db8:2::1
LAN_RANGE=192.0.2.100,192.0.2.199
WAN_ROUTER=203.0.113.1
WAN_CLOUD=203.0.113.2
WG_PORT=51820
TUNNEL=198.51.100.0/24

create_topology() {
  NS_LAB="${E2E_ID}-lab" NS_ROUTER="${E2E_ID}-router" NS_CLOUD="${E2E_ID}-cloud"
  local ns
  for ns in "$NS_LAB" "$NS_ROUTER" "$NS_CLOUD"; do
    ip netns add "$ns"
    NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
  done

  # lab: a bridge joining the VM's tap and the router's LAN port
  ip -n "$NS_LAB" link add br0 type bridge
  ip -n "$NS_LAB" tuntap add dev tap0 mode tap
  ip -n "$NS_LAB" link set tap0 master br0
  ip -n "$NS_LAB" link add lan-port netns "$NS_LAB" type veth peer name lan0 netns "$NS_ROUTER"
  ip -n "$NS_LAB" link set lan-port master br0
  for dev in br0 tap0 lan-port; do ip -n "$NS_LAB" link set "$dev" up; done

  # router: LAN and WAN; it forwards between LAN and tunnel
  ip -n "$NS_ROUTER" addr add "$LAN_ROUTER/$LAN_PREFIX" dev lan0
  ip -n "$NS_ROUTER" addr add "$LAN6_ROUTER/64" dev lan0 nodad
  ip -n "$NS_ROUTER" link set lan0 up
  ip -n "$NS_ROUTER" link add wan0 netns "$NS_ROUTER" type veth peer name wan0 netns "$NS_CLOUD"
  ip -n "$NS_ROUTER" addr add "$WAN_ROUTER/24" dev wan0
  ip -n "$NS_ROUTER" link set wan0 up
  ip netns exec "$NS_ROUTER" sysctl -qw net.ipv4.ip_forward=1

  # cloud: reachable from the router only through its public (WAN) address
  ip -n "$NS_CLOUD" addr add "$WAN_CLOUD/24" dev wan0
  ip -n "$NS_CLOUD" link set wan0 up
}
