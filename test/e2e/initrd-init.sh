#!/bin/busybox sh
# shellcheck shell=dash
# /init of the e2e initrd: prove the kernel got its command line and can reach
# netboot, print what netboot answers for this machine (as installer, then
# flipping it to installed), then power off.
# Every line the test looks for starts with "E2E ".
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

finish() {
  echo "E2E initrd done"
  sync
  poweroff -f
  reboot -f
}

# Kernel messages would interleave with the answers printed below.
echo 1 >/proc/sys/kernel/printk
echo "E2E initrd started"
echo "E2E cmdline: $(cat /proc/cmdline)"

server=""
for word in $(cat /proc/cmdline); do
  case "$word" in netboot.server=*) server=${word#netboot.server=} ;; esac
done
[ -n "$server" ] || { echo "E2E fail: no netboot.server= on the kernel command line"; finish; }

for module in $(cat /lib/modules/load-order); do
  insmod "/lib/modules/$module.ko" || echo "E2E fail: insmod $module"
done

nic=""
for _ in 1 2 3 4 5 6 7 8 9 10; do
  for dev in /sys/class/net/*; do
    [ "${dev##*/}" = lo ] || { nic=${dev##*/}; break; }
  done
  [ -n "$nic" ] && break
  sleep 0.5
done
[ -n "$nic" ] || { echo "E2E fail: no network interface"; finish; }

cat > /bin/dhcp-event <<'SCRIPT'
#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
SCRIPT
chmod 0755 /bin/dhcp-event
ip link set lo up
ip link set "$nic" up
udhcpc -i "$nic" -s /bin/dhcp-event -q -n -t 10 -T 1 >/dev/null 2>&1 || { echo "E2E fail: no DHCP lease on $nic"; finish; }
echo "E2E network: $(ip -4 -o addr show dev "$nic" | awk '{print $4}')"

mac=$(cat "/sys/class/net/$nic/address")
# fetch NAME ENDPOINT [QUERY]: prints what netboot answers between "E2E begin NAME" and "E2E end NAME".
fetch() {
  # busybox 1.35's wget -T crashes, so the whole fetch is bounded by timeout(1).
  echo "E2E begin $1"
  timeout 20 wget -q -O - "$server/$2?mac=$mac$3" || echo "E2E fail: GET /$2 ($?)"
  echo
  echo "E2E end $1"
}
fetch ignition ignition
fetch metadata metadata
# As an OS installer does last: fetch the installed system's config with
# os=installed. It matches the sticky group, so the machine remembers it:
# the same MAC-only request for metadata now gets the installed group's.
fetch ignition-installed ignition "&os=installed"
fetch metadata-installed metadata
finish
