# shellcheck shell=bash
# The machine under test: QEMU with OVMF under TCG (OVMF fails under this
# host's KVM), no disk, a virtio NIC without QEMU's iPXE option ROM (so the
# firmware's own HTTP boot runs), serial console to a file. It is powered on
# twice: to install, then to boot the installed system.

VM_MAC=52:54:00:e2:e0:01
# What OVMF prints when a boot option (iPXE, started by HTTP boot) returns
# an error: it then goes on to its next boot option ("BdsDxe: loading Boot…").
# Had iPXE returned success, it would stop at its boot manager menu instead.
FAILED_BOOT_OPTION_MARKER="BdsDxe: failed to start Boot"
OVMF_CODE=/usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS_4M.fd

# start_vm [NAME]: powers on the VM as process NAME (default qemu), serial
# console to $LOGS/serial.log (serial-2.log for qemu-2). Its firmware settings
# (NVRAM) persist from one power-on to the next, as on a real machine.
start_vm() {
  local name=${1:-qemu}
  SERIAL_LOG=$LOGS/serial${name#qemu}.log
  : >"$SERIAL_LOG"
  [[ -f "$RUN/ovmf-vars.fd" ]] || cp "$OVMF_VARS" "$RUN/ovmf-vars.fd"
  # PXE off: OVMF tries UEFI PXE before HTTP and waits ~60 s for an offer.
  # IPv6 off: no IPv6 HTTP boot attempt after the IPv4 one.
  start_in_ns "$name" "$NS_LAB" qemu-system-x86_64 \
    -accel tcg -machine q35 -m 512 -smp 1 \
    -display none -vga none -monitor none -no-reboot \
    -drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
    -drive "if=pflash,format=raw,file=$RUN/ovmf-vars.fd" \
    -fw_cfg name=opt/org.tianocore/IPv4PXESupport,string=no \
    -fw_cfg name=opt/org.tianocore/IPv6PXESupport,string=no \
    -fw_cfg name=opt/org.tianocore/IPv6Support,string=no \
    -netdev tap,id=lan,ifname=tap0,script=no,downscript=no \
    -device "virtio-net-pci,netdev=lan,mac=$VM_MAC,romfile=" \
    -serial "file:$SERIAL_LOG"
  VM_STARTED_AT=$(date +%s.%N)
}
