# shellcheck shell=bash
# Boot stages, in order, each proven by a line on the serial console (watched
# live for timings) and then checked in detail against the serial log, the
# DHCP log and netboot's request log.

# First power-on: the installer. Second power-on: the installed system.
STAGES=(dhcp firmware-fetch ipxe-chain kernel initrd ignition installed)
SECOND_BOOT_STAGES=(second-boot local-disk next-boot-device)
declare -A STAGE_MARKER=(
  [dhcp]="Station IP address is 192.0.2."
  [firmware-fetch]="iPXE initialising devices"
  [ipxe-chain]="boot.ipxe : "
  [kernel]="Linux version"
  [initrd]="E2E initrd started"
  [ignition]="E2E end metadata"
  [installed]="E2E initrd done"
  [second-boot]="iPXE initialising devices"
  [local-disk]="netboot: leaving network boot for the next boot device"
  [next-boot-device]="$FAILED_BOOT_OPTION_MARKER"
)
declare -A STAGE_SECONDS=()

# watch_boot SECONDS STALL_SECONDS STAGE_LIST QEMU_NAME: records when each
# stage's marker appears on $SERIAL_LOG; stops when the last one shows, when
# QEMU exits, after SECONDS in all, or when no new stage showed for STALL_SECONDS.
watch_boot() {
  local limit=$1 stall=$2 qemu=$4 i stage now
  local -n stages=$3
  local next=0 last_progress=0
  for ((i = 0; i < limit * 5 && next < ${#stages[@]}; i++)); do
    while ((next < ${#stages[@]})); do
      stage=${stages[next]}
      grep -aqF "${STAGE_MARKER[$stage]}" "$SERIAL_LOG" || break
      now=$(date +%s.%N)
      STAGE_SECONDS[$stage]=$(awk -v a="$VM_STARTED_AT" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
      log "stage $stage reached at +${STAGE_SECONDS[$stage]}s"
      next=$((next + 1))
      last_progress=$i
    done
    is_running "$(pid_of "$qemu")" || break
    if ((i - last_progress > stall * 5)); then
      ((next > 0)) && stage=${stages[next - 1]} || stage="power-on"
      log "no progress for ${stall}s after $stage"
      break
    fi
    sleep 0.2
  done
}

# The serial log without carriage returns and terminal escapes.
serial_text() { tr -d '\r' <"$SERIAL_LOG" | sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g'; }

# The lines the initrd printed between "E2E begin NAME" and "E2E end NAME".
# Kernel log lines ("[   10.9] …") are left out, should any still interleave.
initrd_block() {
  awk -v name="$1" '$0 == "E2E end " name { inside = 0 } inside && !/^\[ *[0-9]+\.[0-9]+\] / { print } $0 == "E2E begin " name { inside = 1 }' "$SERIAL_TEXT"
}

# request_lines [LOG]: netboot's request log as "METHOD URL STATUS" lines (pino JSON, one object a line).
request_lines() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
    for (const line of lines) {
      let entry; try { entry = JSON.parse(line); } catch { continue; }
      const req = entry.req ?? entry.request ?? {};
      const method = entry.method ?? req.method; const url = entry.url ?? req.url;
      const status = entry.status ?? entry.statusCode ?? entry.res?.statusCode;
      if (method && url && status) console.log(`${method} ${url} ${status}`);
    }' "${1:-$LOGS/netboot.log}"
}

# request_entry LOG URL_PREFIX: the first request log entry (JSON) whose URL starts with URL_PREFIX.
request_entry() {
  node -e '
    const lines = require("fs").readFileSync(process.argv[1], "utf8").split("\n");
    for (const line of lines) {
      let entry; try { entry = JSON.parse(line); } catch { continue; }
      if (entry.msg === "request" && typeof entry.url === "string" && entry.url.startsWith(process.argv[2])) { console.log(line); break; }
    }' "$1" "$2"
}

expect_request() {
  local stage=$1 pattern=$2
  grep -qE "$pattern" "$REQUESTS" || fail "$stage" "netboot logged no request matching /$pattern/ (see netboot.log)"
}

check_stage_dhcp() {
  grep -aq "tags: netboot-http" "$LOGS/dnsmasq.log" || fail dhcp "dnsmasq never tagged a request netboot-http (no UEFI HTTPClient DISCOVER reached it)"
  grep -aqE "DHCPACK\(lan0\) 192\.0\.2\.[0-9]+ $VM_MAC" "$LOGS/dnsmasq.log" || fail dhcp "no DHCPACK for $VM_MAC in dnsmasq.log"
  grep -aqE "option: *60 vendor-class +48:54:54:50:43:6c:69:65:6e:74" "$LOGS/dnsmasq.log" || fail dhcp "option 60 HTTPClient was not echoed"
  grep -qF "${STAGE_MARKER[dhcp]}" "$SERIAL_TEXT" || fail dhcp "the firmware never got an address (serial: no \"${STAGE_MARKER[dhcp]}\")"
}

check_stage_firmware_fetch() {
  local size
  size=$(stat -c %s "$RUN/assets/ipxe.efi")
  grep -qF "URI: $SERVER_URL/assets/ipxe.efi" "$SERIAL_TEXT" || fail firmware-fetch "the firmware did not try $SERVER_URL/assets/ipxe.efi"
  grep -qF "File Size: $size Bytes" "$SERIAL_TEXT" || fail firmware-fetch "the firmware did not see ipxe.efi's size $size (Content-Length of HEAD)"
  expect_request firmware-fetch "^HEAD /assets/ipxe\.efi 200$"
  expect_request firmware-fetch "^GET /assets/ipxe\.efi 200$"
  grep -qF "${STAGE_MARKER[firmware-fetch]}" "$SERIAL_TEXT" || fail firmware-fetch "ipxe.efi was not started"
}

check_stage_ipxe_chain() {
  local mac_hyphens=${VM_MAC//:/-}
  grep -qF "Filename: $SERVER_URL/boot.ipxe" "$SERIAL_TEXT" || fail ipxe-chain "iPXE's DHCP answer did not name $SERVER_URL/boot.ipxe"
  expect_request ipxe-chain "^GET /boot\.ipxe 200$"
  expect_request ipxe-chain "^GET /ipxe\?.*mac=$mac_hyphens.* 200$"
  expect_request ipxe-chain "^GET /assets/vmlinuz 200$"
  expect_request ipxe-chain "^GET /assets/initrd\.img 200$"
}

check_stage_kernel() {
  grep -qF "${STAGE_MARKER[kernel]}" "$SERIAL_TEXT" || fail kernel "the kernel did not start"
  grep -qE "Command line: .*netboot\.server=$SERVER_URL" "$SERIAL_TEXT" || fail kernel "the kernel's command line lacks the profile's args"
}

check_stage_initrd() {
  grep -qF "${STAGE_MARKER[initrd]}" "$SERIAL_TEXT" || fail initrd "the initrd's /init did not run"
  grep -qE "^E2E cmdline: .*initrd=initrd\.img .*netboot\.server=$SERVER_URL" "$SERIAL_TEXT" || fail initrd "the initrd did not print the expected command line"
  grep -qE "^E2E network: 192\.0\.2\.[0-9]+/24" "$SERIAL_TEXT" || fail initrd "the initrd got no DHCP lease"
  local failure
  failure=$(grep -v "^E2E fail: GET " "$SERIAL_TEXT" | grep -m1 "^E2E fail" || true)
  [[ -z "$failure" ]] || fail initrd "$failure"
}

check_stage_ignition() {
  local failure
  failure=$(grep -m1 "^E2E fail: GET " "$SERIAL_TEXT" || true)
  [[ -z "$failure" ]] || fail ignition "the initrd could not fetch from netboot: $failure"
  initrd_block ignition >"$LOGS/ignition.json"
  initrd_block metadata >"$LOGS/metadata.env"
  expect_request ignition "^GET /ignition\?mac=$VM_MAC 200$"
  expect_request ignition "^GET /metadata\?mac=$VM_MAC 200$"
  node -e '
    const config = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const file = (config.storage?.files ?? []).find((f) => f.path === "/etc/netboot-e2e");
    if (!/^3\./.test(config.ignition?.version ?? "")) throw new Error("ignition.version is " + config.ignition?.version);
    if (!file) throw new Error("no /etc/netboot-e2e in storage.files");
    const source = decodeURIComponent(file.contents.source.replace(/^data:,/, ""));
    if (source !== process.argv[2]) throw new Error("/etc/netboot-e2e holds " + JSON.stringify(source));
  ' "$LOGS/ignition.json" "$E2E_MARKER" 2>"$LOGS/ignition-check.log" ||
    fail ignition "the Ignition config printed by the initrd is wrong: $(tail -n1 "$LOGS/ignition-check.log")"
  grep -qx "E2E_MARKER=$E2E_MARKER" "$LOGS/metadata.env" || fail ignition "metadata lacks E2E_MARKER=$E2E_MARKER"
  grep -qx "MAC=$VM_MAC" "$LOGS/metadata.env" || fail ignition "metadata lacks MAC=$VM_MAC"
  grep -qF "${STAGE_MARKER[ignition]}" "$SERIAL_TEXT" || fail ignition "the initrd did not print its metadata"
}

# The installer's last fetch (/ignition?mac=…&os=installed) matched the sticky
# group: the machine remembers os=installed, on disk, and its next request
# with only the MAC already gets the installed group.
check_stage_installed() {
  local entry state_file=$RUN/state/${VM_MAC//:/-}.json
  initrd_block ignition-installed >"$LOGS/ignition-installed.json"
  initrd_block metadata-installed >"$LOGS/metadata-installed.env"
  expect_request installed "^GET /ignition\?mac=$VM_MAC&os=installed 200$"
  entry=$(request_entry "$LOGS/netboot.log" "/ignition?mac=$VM_MAC&os=installed")
  [[ "$entry" == *'"group":"e2e-vm-installed"'* && "$entry" == *'"remembers":{"os":"installed"}'* ]] ||
    fail installed "the request with os=installed did not make the VM remember os=installed: $entry"
  node -e '
    const state = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (state.labels?.os?.value !== "installed" || state.labels.os.group !== "e2e-vm-installed") throw new Error(JSON.stringify(state));
  ' "$state_file" 2>"$LOGS/state-check.log" || fail installed "state file $state_file: $(tail -n1 "$LOGS/state-check.log")"
  grep -qx "E2E_MARKER=$E2E_INSTALLED_MARKER" "$LOGS/metadata-installed.env" ||
    fail installed "/metadata?mac=$VM_MAC (MAC only) after the flip is not the installed group's (no E2E_MARKER=$E2E_INSTALLED_MARKER)"
  grep -qx "OS=installed" "$LOGS/metadata-installed.env" || fail installed "metadata after the flip lacks OS=installed (the sticky group's selector)"
  if ! grep -qx "REQUEST_QUERY_MAC=$VM_MAC" "$LOGS/metadata-installed.env" || grep -q "^REQUEST_QUERY_OS=" "$LOGS/metadata-installed.env"; then
    fail installed "metadata after the flip does not show the query as the VM sent it"
  fi
  grep -qF "${STAGE_MARKER[installed]}" "$SERIAL_TEXT" || fail installed "the initrd did not finish"
}

# Second power-on of the same VM, after a netboot restart: firmware HTTP boot
# and iPXE as before, then /ipxe?mac=… (only the MAC) selects the installed
# group through the remembered label, whose profile's kernel is the
# local-disk script: iPXE leaves, and the firmware goes on to its next boot option.
check_second_boot() {
  local serial=$LOGS/serial-2.txt requests=$LOGS/requests-2.txt entry mac_hyphens=${VM_MAC//:/-}
  tr -d '\r' <"$LOGS/serial-2.log" | sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g' >"$serial"
  request_lines "$LOGS/netboot-2.log" >"$requests"
  grep -qF "${STAGE_MARKER[second-boot]}" "$serial" || fail second-boot "iPXE did not start on the second power-on"
  grep -qE "^GET /boot\.ipxe 200$" "$requests" || fail second-boot "no /boot.ipxe on the second power-on"
  grep -qE "^GET /ipxe\?.*mac=$mac_hyphens.* 200$" "$requests" || fail local-disk "no /ipxe?mac=… on the second power-on"
  entry=$(request_entry "$LOGS/netboot-2.log" "/ipxe?")
  [[ "$entry" == *'"group":"e2e-vm-installed"'* && "$entry" == *'"profile":"e2e-local-disk"'* && "$entry" == *'"remembered":{"os":"installed"}'* ]] ||
    fail local-disk "/ipxe on the second power-on was not matched with the remembered os=installed: $entry"
  grep -qE "^GET /assets/local-disk\.ipxe 200$" "$requests" || fail local-disk "iPXE did not fetch /assets/local-disk.ipxe"
  ! grep -qE "^GET /assets/(vmlinuz|initrd\.img) " "$requests" || fail local-disk "the second power-on fetched the installer's kernel or initrd"
  grep -qF "${STAGE_MARKER[local-disk]}" "$serial" || fail local-disk "the local-disk script did not run"
  # The HTTP boot option (iPXE) returned an error, and the firmware loaded the next one.
  next_boot_option "$serial" >"$LOGS/next-boot-option.txt" ||
    fail next-boot-device "the firmware did not go on to its next boot option after iPXE exited (see serial-2.log)"
  log "after iPXE exited, the firmware went on to: $(cat "$LOGS/next-boot-option.txt")"
}

# next_boot_option SERIAL_TEXT: the boot option the firmware loads after the
# UEFI HTTP boot option failed to start; fails when there is none (yet).
next_boot_option() {
  awk '
    /BdsDxe: failed to start Boot[0-9A-F]+ "UEFI HTTPv4/ { failed = 1; next }
    failed && match($0, /BdsDxe: loading Boot[0-9A-F]+ "[^"]*"/) { print substr($0, RSTART + 16, RLENGTH - 16); found = 1; exit }
    END { exit !found }' "$1"
}

# The boot really crossed the tunnel: the router received at least the kernel
# and initrd through it, and its MSS clamp (from the wg-quick PostUp lines)
# rewrote the VM's forwarded TCP handshakes.
check_tunnel_traffic() {
  local received boot_bytes clamped
  received=$(ip netns exec "$NS_ROUTER" wg show "$WG_ROUTER_IF" transfer | awk '{ sum += $2 } END { print sum + 0 }')
  boot_bytes=$(($(stat -c %s "$RUN/assets/vmlinuz") + $(stat -c %s "$RUN/assets/initrd.img")))
  ((received > boot_bytes)) || fail tunnel "the router received only $received bytes through the tunnel (kernel + initrd: $boot_bytes)"
  ip netns exec "$NS_ROUTER" iptables -t mangle -L FORWARD -v -n -x >"$LOGS/router-mangle.txt"
  clamped=$(awk -v link="$WG_ROUTER_IF" '/TCPMSS/ && $7 == link { sum += $1 } END { print sum + 0 }' "$LOGS/router-mangle.txt")
  ((clamped > 0)) || fail tunnel "no forwarded TCP handshake went through the MSS clamp on $WG_ROUTER_IF (see router-mangle.txt)"
}

# Checks read files, not pipes: `grep -q` closing a pipe early would fail the
# pipeline under pipefail.
check_stages() {
  local stage
  SERIAL_TEXT=$LOGS/serial.txt
  REQUESTS=$LOGS/requests.txt
  serial_text >"$SERIAL_TEXT"
  request_lines >"$REQUESTS"
  for stage in "${STAGES[@]}"; do
    "check_stage_${stage//-/_}"
  done
  check_tunnel_traffic
}

print_timings() {
  local stage
  {
    echo "stage            seconds after QEMU start (second-boot…: after the second power-on)"
    for stage in "${STAGES[@]}" "${SECOND_BOOT_STAGES[@]}"; do printf '%-16s %s\n' "$stage" "${STAGE_SECONDS[$stage]:-never}"; done
  } | tee "$LOGS/timings.txt"
}
