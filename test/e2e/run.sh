#!/usr/bin/env bash
# End-to-end: a UEFI machine boots from netboot through a WireGuard tunnel.
#
#   QEMU+OVMF (lab) --DHCP--> dnsmasq (router) --WireGuard--> netboot (cloud)
#   firmware HTTP boot: /assets/ipxe.efi -> iPXE: /boot.ipxe -> /ipxe?mac=…
#   -> /assets/vmlinuz + /assets/initrd.img -> initrd: /ignition, /metadata,
#   then /ignition?…&os=installed (a sticky group: the VM is now installed)
#   netboot restarts; the same VM powers on again: /ipxe?mac=… -> the installed
#   group -> /assets/local-disk.ipxe -> iPXE exits -> the firmware's next boot option
#
# Needs root (network namespaces), the Debian packages in test/e2e/setup.sh
# and Node; it runs `npm run build` when a server source is newer than dist/.
# Logs stay in .cache/e2e/logs/. Exit 0 only if every
# stage passed; otherwise the first broken stage is named.
set -Eeuo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=$REPO/.cache/e2e
LOGS=$CACHE/logs
RUN=$CACHE/run
FIXTURE=$CACHE/fixture
E2E_ID=${E2E_ID:-nb$(($$ % 100000))}
SERVER_PORT=8080
# Bounds of the boot: in all, and without a new stage (TCG on a busy 2-core
# machine took up to ~80 s from power-on to the initrd's fetches).
BOOT_SECONDS=240
STALL_SECONDS=120
# The second power-on loads no kernel.
SECOND_BOOT_SECONDS=180

source "$HERE/lib/common.sh"
source "$HERE/lib/topology.sh"
source "$HERE/lib/tunnel.sh"
source "$HERE/lib/services.sh"
source "$HERE/lib/vm.sh"
source "$HERE/lib/stages.sh"

netboot() { node "$REPO/dist/server/cli/main.js" "$@"; }

# Nothing here reads the terminal.
exec </dev/null

[[ $(id -u) -eq 0 ]] || { echo "test/e2e needs root (network namespaces)" >&2; exit 1; }
rm -rf "$LOGS" "$RUN"
mkdir -p "$LOGS" "$RUN"
trap cleanup EXIT
trap 'exit 130' INT TERM
trap 'log "command failed (exit $?): $BASH_COMMAND"' ERR

stage setup "setup: packages, build, fixture"
bash "$HERE/setup.sh" >"$LOGS/setup.log" 2>&1 || fail setup "test/e2e/setup.sh failed: $(tail -n 3 "$LOGS/setup.log")"
# `npm ci` builds dist/ (prepare); rebuild only when a server source is newer.
if [[ ! -f "$REPO/dist/server/cli/main.js" || -n "$(find "$REPO/server" -name '*.ts' -newer "$REPO/dist/server/cli/main.js" -print -quit)" ]]; then
  (cd "$REPO" && npm run -s build) >"$LOGS/build.log" 2>&1 || fail setup "npm run build failed: $(tail -n 5 "$LOGS/build.log")"
fi
bash "$HERE/fixture.sh" "$FIXTURE" >"$LOGS/fixture.log" 2>&1 || fail setup "fixture build failed: $(tail -n 3 "$LOGS/fixture.log")"

stage setup "network: namespaces $E2E_ID-{lab,router,cloud}"
create_topology

stage tunnel "tunnel: netboot wireguard init / peer add / up"
setup_tunnel
SERVER_URL=http://$SERVER_TUNNEL_IP:$SERVER_PORT

stage setup "netboot: data directory, assets, serve at $SERVER_URL"
write_data_dir
write_assets
start_netboot
stage firmware-fetch "assets: HEAD then GET of ipxe.efi on one connection, through the tunnel"
check_assets_http

stage dhcp "dhcp: dnsmasq with \`netboot dhcp-config --format dnsmasq\`"
start_dnsmasq

stage boot "vm: QEMU + OVMF, UEFI HTTP boot: the installer"
start_vm
watch_boot "$BOOT_SECONDS" "$STALL_SECONDS" STAGES qemu
wait_until 15 "the VM to power off" bash -c "! kill -0 $(pid_of qemu)" || log "the VM did not power off by itself"
check_stages

stage installed "netboot: restart with the same -state-path"
restart_netboot

stage second-boot "vm: the same VM powers on again: the installed system"
start_vm qemu-2
watch_boot "$SECOND_BOOT_SECONDS" "$STALL_SECONDS" SECOND_BOOT_STAGES qemu-2
# Without a disk, what the firmware tries next does not power the VM off: once
# it has loaded that option, the VM is stopped.
wait_until 30 "the firmware to load its next boot option" \
  bash -c 'tr -d "\r" <"$1" | grep -A3 "BdsDxe: failed to start Boot" | grep -q "BdsDxe: loading Boot"' _ "$LOGS/serial-2.log" ||
  log "the firmware did not load another boot option"
stop_pid "$(pid_of qemu-2)"
check_second_boot
print_timings
log "passed: every stage from DHCP to Ignition, the flip to installed, and the installed VM's boot leaving network boot"
