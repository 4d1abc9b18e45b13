/** Matchbox's own test fixtures (group, profile, templates), as data-directory files. */
export const FIXTURE_GROUP = {
  id: "test-group",
  name: "test group",
  profile: "g1h2i3j4",
  selector: { uuid: "a1b2c3d4" },
  metadata: { pod_network: "10.2.0.0/16", service_name: "etcd2" },
};

export const FIXTURE_PROFILE = {
  id: "g1h2i3j4",
  boot: { kernel: "/image/kernel", initrd: ["/image/initrd_a", "/image/initrd_b"], args: ["a=b", "c"] },
  cloud_id: "cloud-config.tmpl",
  ignition_id: "ignition.tmpl",
  generic_id: "generic.tmpl",
};

export const FIXTURE_IPXE = "#!ipxe\nkernel /image/kernel a=b c\ninitrd /image/initrd_a\ninitrd /image/initrd_b\nboot\n";

export const FIXTURE_GRUB = `default=0
fallback=1
timeout=1
menuentry "CoreOS (EFI)" {
echo "Loading kernel"
linuxefi "/image/kernel" a=b c
echo "Loading initrd"
initrdefi  "/image/initrd_a" "/image/initrd_b"
}
menuentry "CoreOS (BIOS)" {
echo "Loading kernel"
linux "/image/kernel" a=b c
echo "Loading initrd"
initrd  "/image/initrd_a" "/image/initrd_b"
}
`;

export const RAW_IGNITION_34 =
  '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},"kernelArguments":{},"passwd":{"users":[{"name":"core","sshAuthorizedKeys":["key"]}]},"storage":{},"systemd":{"units":[{"enabled":false,"name":"docker.service"}]}}';

export const BUTANE_UNITS_TEMPLATE = `variant: flatcar
version: 1.1.0
systemd:
  units:
    - name: {{.uuid}}.service
      enabled: true
      contents: {{.pod_network}}
    - name: {{.request.query.foo}}.service
      enabled: true
      contents: {{.request.raw_query}}
`;

export const BUTANE_UNITS_EXPECTED =
  '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":"3.4.0"},"kernelArguments":{},"passwd":{},"storage":{},"systemd":{"units":[{"contents":"10.2.0.0/16","enabled":true,"name":"a1b2c3d4.service"},{"contents":"foo=some-param\\u0026bar=b","enabled":true,"name":"some-param.service"}]}}';
