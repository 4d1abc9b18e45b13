# shellcheck shell=bash
# netboot in the cloud namespace (as in the pod, next to the WireGuard
# endpoint) and dnsmasq on the router, configured with `netboot dhcp-config`.

E2E_MARKER=booted-through-wireguard
E2E_INSTALLED_MARKER=installed-then-disk

# The data directory, written as a user would: YAML group and profile that
# select the VM by MAC, and a Butane config for /ignition; and the installed
# stage: a sticky group for the same MAC with os=installed, whose profile
# boots the disk (assets/local-disk.ipxe).
write_data_dir() {
  local data=$RUN/data
  mkdir -p "$data/groups" "$data/profiles" "$data/ignition"
  cat >"$data/groups/e2e-vm.yaml" <<YAML
id: e2e-vm
name: The e2e VM, selected by its MAC
profile: e2e-boot
selector:
  mac: "$VM_MAC"
metadata:
  e2e_marker: $E2E_MARKER
YAML
  cat >"$data/groups/e2e-vm-installed.yaml" <<YAML
id: e2e-vm-installed
name: The e2e VM once installed
profile: e2e-local-disk
sticky: true
selector:
  mac: "$VM_MAC"
  os: installed
metadata:
  e2e_marker: $E2E_INSTALLED_MARKER
YAML
  cat >"$data/profiles/e2e-local-disk.yaml" <<YAML
id: e2e-local-disk
name: Leave network boot for the next boot device
boot:
  kernel: /assets/local-disk.ipxe
ignition_id: e2e.yaml
YAML
  cat >"$data/profiles/e2e-boot.yaml" <<YAML
id: e2e-boot
name: Debian kernel and the e2e initrd
boot:
  kernel: /assets/vmlinuz
  initrd:
    - /assets/initrd.img
  args:
    - initrd=initrd.img
    - console=ttyS0
    - netboot.server=$SERVER_URL
ignition_id: e2e.yaml
YAML
  cat >"$data/ignition/e2e.yaml" <<'YAML'
variant: fcos
version: 1.5.0
storage:
  files:
    - path: /etc/netboot-e2e
      contents:
        inline: "{{.e2e_marker}}"
YAML
}

write_assets() {
  "$REPO/scripts/install-ipxe-assets.sh" "$RUN/assets" >"$LOGS/install-ipxe-assets.log" 2>&1 ||
    { cat "$LOGS/install-ipxe-assets.log" >&2; return 1; }
  cp "$FIXTURE/vmlinuz" "$FIXTURE/initrd.img" "$REPO/assets/local-disk.ipxe" "$RUN/assets/"
}

# start_netboot [NAME]: netboot with machine state in $RUN/state; its log is $LOGS/NAME.log.
start_netboot() {
  local name=${1:-netboot}
  start_in_ns "$name" "$NS_CLOUD" node "$REPO/dist/server/cli/main.js" serve \
    -address "0.0.0.0:$SERVER_PORT" -data-path "$RUN/data" -assets-path "$RUN/assets" -log-level info \
    -state-path "$RUN/state"
  wait_until 30 "netboot to answer in the cloud namespace" \
    ip netns exec "$NS_CLOUD" curl -sf -o /dev/null --max-time 2 "http://$SERVER_TUNNEL_IP:$SERVER_PORT/boot.ipxe"
}

# A restart between the two boots: what the machine remembers is read back from $RUN/state.
restart_netboot() {
  stop_pid "$(pid_of netboot)"
  start_netboot netboot-2
  grep -q '"msg":"machine state loaded"' "$LOGS/netboot-2.log" || fail installed "netboot did not log loading its machine state"
  grep '"msg":"machine state loaded"' "$LOGS/netboot-2.log" | grep -q '"machines":1' ||
    fail installed "after the restart netboot does not remember the VM: $(grep '"msg":"machine state loaded"' "$LOGS/netboot-2.log")"
}

# What UEFI HTTP boot firmware (EDK2) needs from /assets/: a HEAD with the
# right Content-Length, then a GET on the same kept-alive connection, and a
# Content-Type it accepts for an .efi file. Asked from the router, through the tunnel.
check_assets_http() {
  local url=$SERVER_URL/assets/ipxe.efi size out
  size=$(stat -c %s "$RUN/assets/ipxe.efi")
  out=$(ip netns exec "$NS_ROUTER" curl -sS --max-time 20 -I "$url" -o "$LOGS/assets-head.txt" \
    --next -sS --max-time 20 "$url" -o "$RUN/ipxe.efi.fetched" -w '%{http_code} %{num_connects} %{size_download}\n' 2>&1) ||
    fail firmware-fetch "HEAD+GET of $url failed: $out"
  tr -d '\r' <"$LOGS/assets-head.txt" >"$LOGS/assets-head.clean"
  grep -qiE "^HTTP/1\.1 200" "$LOGS/assets-head.clean" || fail firmware-fetch "HEAD $url did not answer 200"
  grep -qix "content-length: $size" "$LOGS/assets-head.clean" || fail firmware-fetch "HEAD $url: Content-Length is not $size"
  grep -qiE "^content-type: (application/efi|application/octet-stream)" "$LOGS/assets-head.clean" ||
    fail firmware-fetch "HEAD $url: Content-Type is not one EDK2 takes for .efi ($(grep -i '^content-type' "$LOGS/assets-head.clean"))"
  ! grep -qix "connection: close" "$LOGS/assets-head.clean" || fail firmware-fetch "HEAD $url closes the connection"
  [[ "$out" == "200 0 $size" ]] || fail firmware-fetch "GET after HEAD: expected '200 0 $size' (status, new connections, bytes), got '$out'"
  cmp -s "$RUN/assets/ipxe.efi" "$RUN/ipxe.efi.fetched" || fail firmware-fetch "GET $url returned different bytes"
}

start_dnsmasq() {
  netboot dhcp-config --format dnsmasq --server-url "$SERVER_URL" --interface lan0 --range "$LAN_RANGE" \
    >"$RUN/dnsmasq-netboot.conf"
  cp "$RUN/dnsmasq-netboot.conf" "$LOGS/"
  # The generated snippet verbatim; the flags only keep this dnsmasq private
  # to the test (no DNS, own lease file) and add an IPv6 RA on the lab LAN,
  # without which iPXE waits ~18 s for IPv6 autoconfiguration.
  start_in_ns dnsmasq "$NS_ROUTER" dnsmasq --keep-in-foreground --conf-file="$RUN/dnsmasq-netboot.conf" \
    --port=0 --bind-interfaces --log-dhcp --log-facility=- --pid-file= \
    --dhcp-leasefile="$RUN/dnsmasq.leases" --enable-ra --dhcp-range=::,constructor:lan0,ra-only
  wait_until 10 "dnsmasq to start" grep -q "DHCP, IP range" "$LOGS/dnsmasq.log"
}
