import { type DhcpTarget, HTTP_CLIENT_VENDOR_CLASS, IPXE_USER_CLASS, firmwareBootUrl, ipxeBootUrl } from "./input.js";

/**
 * ISC Kea DHCPv4 (`kea-dhcp4.conf`): two client classes. Classes are evaluated
 * in order, so the firmware class can exclude iPXE with `member()`. The boot
 * URL goes into the fixed `file` field (`boot-file-name`), which both UEFI
 * firmware and iPXE read; the firmware class always sends option 60.
 */
export function renderKea(target: DhcpTarget): string {
  const dhcp4: Record<string, unknown> = {};
  if (target.interface) dhcp4["interfaces-config"] = { interfaces: [target.interface] };
  dhcp4["client-classes"] = [
    {
      name: "netboot-ipxe",
      test: `option[77].hex == '${IPXE_USER_CLASS}'`,
      "boot-file-name": ipxeBootUrl(target),
    },
    {
      name: "netboot-http",
      test: `substring(option[60].hex,0,${HTTP_CLIENT_VENDOR_CLASS.length}) == '${HTTP_CLIENT_VENDOR_CLASS}' and not member('netboot-ipxe')`,
      "boot-file-name": firmwareBootUrl(target),
      "option-data": [{ name: "vendor-class-identifier", data: HTTP_CLIENT_VENDOR_CLASS, "always-send": true }],
    },
  ];
  if (target.subnet) {
    const subnet: Record<string, unknown> = { id: 1, subnet: target.subnet };
    if (target.range) subnet.pools = [{ pool: `${target.range.start} - ${target.range.end}` }];
    if (target.interface) subnet.interface = target.interface;
    dhcp4["subnet4"] = [subnet];
  }
  return JSON.stringify({ Dhcp4: dhcp4 }, null, 2) + "\n";
}
