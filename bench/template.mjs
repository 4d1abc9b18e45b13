// Template rendering benchmark: netboot's Go text/template engine against Go's
// own text/template (the WebAssembly build in @evertdespiegeleer/go-template,
// a devDependency), in the same process, on a realistic ~200-line Butane
// template: a range over 100 machines, conditionals, printf, index guards.
//
//   npm run build && node bench/template.mjs [--iterations N] [--machines N]
//
// Both engines must produce identical output; the benchmark stops if not.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const engine = path.join(repoRoot, "dist/server/template/index.js");
if (!existsSync(engine)) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const { parseTemplate } = await import(engine);
const { parse: goRender } = await import("@evertdespiegeleer/go-template");

const { values } = parseArgs({
  options: {
    iterations: { type: "string", default: "300" },
    machines: { type: "string", default: "100" },
  },
});
const iterations = Number(values.iterations);
const machineCount = Number(values.machines);

function machineEntry(i) {
  return {
    name: `node${i}`,
    mac: `52:54:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}:10`,
    ip: `10.0.${Math.floor(i / 250)}.${(i % 250) + 2}`,
    role: i % 10 === 0 ? "controller" : "worker",
    disk_gb: 120 + (i % 7) * 40,
    cpus: 4 + (i % 4) * 4,
    labels: i % 3 === 0 ? { zone: `z${i % 3}`, gpu: "true" } : { zone: `z${i % 3}` },
    ...(i % 5 === 0 ? { extra_args: ["console=ttyS0", "quiet"] } : {}),
  };
}

const data = {
  cluster_name: "homelab",
  domain_name: "lab.example.com",
  k8s_dns_service_ip: "10.3.0.10",
  pod_network: "10.2.0.0/16",
  ssh_authorized_keys: ["ssh-ed25519 AAAA one@lab", "ssh-rsa BBBB two@lab"],
  ntp_servers: ["0.pool.ntp.org", "1.pool.ntp.org"],
  etcd_on_host: "true",
  container_runtime: "containerd",
  mtu: 1420,
  version: 1.5,
  machines: Array.from({ length: machineCount }, (_, i) => machineEntry(i)),
  request: { query: { mac: "52:54:00:00:01:10", os: "installed" }, raw_query: "mac=52-54-00-00-01-10&os=installed" },
  mac: "52:54:00:00:01:10",
};

const template = `variant: flatcar
version: 1.1.0
{{- /* Cluster-wide settings rendered for one machine. */}}
passwd:
  users:
    - name: core
{{- if index . "ssh_authorized_keys" }}
      ssh_authorized_keys:
{{- range $key := .ssh_authorized_keys }}
        - {{ $key }}
{{- end }}
{{- end }}
systemd:
  units:
    - name: etcd-member.service
      enabled: {{ if eq .etcd_on_host "true" }}true{{ else }}false{{ end }}
      dropins:
        - name: 40-etcd-cluster.conf
          contents: |
            [Service]
            Environment="ETCD_NAME={{ .cluster_name }}"
            Environment="ETCD_INITIAL_CLUSTER={{ range $i, $m := .machines }}{{ if eq $m.role "controller" }}{{ if $i }},{{ end }}{{ $m.name }}=https://{{ $m.ip }}:2380{{ end }}{{ end }}"
    - name: {{ .container_runtime }}.service
      enabled: true
{{- if eq .container_runtime "rkt" }}
      mask: true
{{- else }}
      dropins:
        - name: 10-mtu.conf
          contents: |
            [Service]
            Environment=MTU={{ printf "%.0f" .mtu }}
{{- end }}
    - name: installer.service
      enabled: {{ if eq .request.query.os "installed" }}false{{ else }}true{{ end }}
      contents: |
        [Unit]
        Requires=network-online.target
        After=network-online.target
        [Service]
        Type=simple
        ExecStart=/opt/installer --query "{{ .request.raw_query }}"
        [Install]
        WantedBy=multi-user.target
storage:
  files:
    - path: /etc/hostname
      mode: 0644
      contents:
        inline: {{ .cluster_name }}-{{ .mac }}
    - path: /etc/hosts
      mode: 0644
      contents:
        inline: |
          127.0.0.1 localhost
{{- range .machines }}
          {{ printf "%-15s" .ip }} {{ .name }}.{{ $.domain_name }} {{ .name }}
{{- end }}
    - path: /etc/ntp.conf
      contents:
        inline: |
{{- range .ntp_servers }}
          server {{ . }} iburst
{{- end }}
    - path: /etc/kubernetes/machines.csv
      contents:
        inline: |
          name,mac,ip,role,disk,cpus,zone,gpu
{{- range $i, $m := .machines }}
          {{ $m.name }},{{ $m.mac }},{{ $m.ip }},{{ $m.role }},{{ printf "%.0f" $m.disk_gb }}G,{{ printf "%3.0f" $m.cpus }},{{ $m.labels.zone }},{{ with index $m.labels "gpu" }}{{ . }}{{ else }}none{{ end }}
{{- end }}
    - path: /etc/kubernetes/kubelet.env
      contents:
        inline: |
          KUBELET_IMAGE_URL=docker://k8s.gcr.io/hyperkube
          KUBELET_IMAGE_TAG=v{{ .version }}
          CLUSTER_DNS={{ .k8s_dns_service_ip }}
          POD_NETWORK={{ .pod_network }}
{{- range .machines }}
{{- if eq .role "controller" }}
          CONTROLLER_{{ .name }}={{ .ip }}
{{- end }}
{{- end }}
{{- range $m := .machines }}
{{- if index $m "extra_args" }}
    - path: /etc/kernel-args/{{ $m.name }}
      contents:
        inline: {{ range $j, $a := $m.extra_args }}{{ if $j }} {{ end }}{{ $a }}{{ end }}
{{- end }}
{{- end }}
    - path: /etc/systemd/network/10-static.network
      contents:
        inline: |
          [Match]
          MACAddress={{ .mac }}
          [Network]
          DNS={{ .k8s_dns_service_ip }}
          Domains={{ .domain_name }}
{{- range .machines }}
{{- if eq .mac $.mac }}
          Address={{ .ip }}/24
          Gateway={{ printf "10.0.%d.1" 0 }}
{{- end }}
{{- end }}
          [Link]
          MTUBytes={{ printf "%.0f" .mtu }}
    - path: /etc/sysctl.d/80-kubernetes.conf
      contents:
        inline: |
          net.ipv4.ip_forward=1
          net.bridge.bridge-nf-call-iptables=1
          fs.inotify.max_user_watches={{ printf "%d" 524288 }}
          vm.max_map_count={{ printf "%d" 262144 }}
    - path: /etc/containerd/config.toml
      mode: 0644
      contents:
        inline: |
          version = 2
          root = "/var/lib/containerd"
          state = "/run/containerd"
          [grpc]
            address = "/run/containerd/containerd.sock"
          [plugins."io.containerd.grpc.v1.cri"]
            sandbox_image = "registry.k8s.io/pause:3.9"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
            runtime_type = "io.containerd.runc.v2"
          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            SystemdCgroup = {{ if eq .container_runtime "containerd" }}true{{ else }}false{{ end }}
{{- if index . "registry_mirror" }}
          [plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]
            endpoint = ["{{ .registry_mirror }}"]
{{- end }}
    - path: /etc/chrony.conf
      contents:
        inline: |
{{- range $i, $s := .ntp_servers }}
          server {{ $s }} iburst{{ if eq $i 0 }} prefer{{ end }}
{{- end }}
          driftfile /var/lib/chrony/drift
          makestep 1.0 3
          rtcsync
    - path: /etc/kubernetes/kubelet.yaml
      contents:
        inline: |
          apiVersion: kubelet.config.k8s.io/v1beta1
          kind: KubeletConfiguration
          authentication:
            anonymous:
              enabled: false
            webhook:
              enabled: true
            x509:
              clientCAFile: /etc/kubernetes/ca.crt
          authorization:
            mode: Webhook
          cgroupDriver: systemd
          clusterDNS:
            - {{ .k8s_dns_service_ip }}
          clusterDomain: cluster.local
          healthzPort: 0
          rotateCertificates: true
          shutdownGracePeriod: 45s
          shutdownGracePeriodCriticalPods: 15s
          staticPodPath: /etc/kubernetes/manifests
          readOnlyPort: 0
          resolvConf: /run/systemd/resolve/resolv.conf
          volumePluginDir: /var/lib/kubelet/volumeplugins
          nodeLabels:
{{- range .machines }}
{{- if eq .mac $.mac }}
            node.kubernetes.io/role: {{ .role }}
{{- range $k, $v := .labels }}
            lab.example.com/{{ $k }}: {{ js $v }}
{{- end }}
{{- end }}
{{- end }}
    - path: /opt/bin/report
      mode: 0755
      contents:
        inline: |
          #!/bin/sh
          # Reports this machine's inventory entry to the provisioning log.
          set -eu
          curl -fsS -X POST "https://{{ .domain_name }}/report?{{ .request.raw_query }}" \\
            -d "cluster={{ urlquery .cluster_name }}" \\
            -d "machines={{ len .machines }}" \\
            -d "version={{ .version }}"
          echo "done"
    - path: /etc/motd
      contents:
        inline: |
          {{ len .machines }} machines in {{ .cluster_name }} ({{ urlquery .domain_name }}); {{ html "<managed by netboot>" }}
          capacity: {{ range .machines }}{{ if gt .disk_gb 200.0 }}+{{ else }}.{{ end }}{{ end }}
`;

const lines = template.split("\n").length;
const ours = parseTemplate("", template);
const oursOut = ours.execute(data);
const goOut = await goRender(template, data);
if (oursOut !== goOut) {
  console.error("outputs differ: the benchmark is meaningless until they agree");
  process.exit(1);
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  return { mean, p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

async function measure(render) {
  for (let i = 0; i < Math.min(50, iterations); i++) await render(); // warm-up
  const samples = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await render();
    samples.push((performance.now() - t0) * 1000);
  }
  return stats(samples);
}

const rows = [
  ["Go text/template, wasm (parse + execute)", await measure(() => goRender(template, data))],
  ["netboot, parse + execute", await measure(() => parseTemplate("", template).execute(data))],
  ["netboot, execute a kept parse (as the server does)", await measure(() => ours.execute(data))],
];

const go = rows[0][1].mean;
console.log(`template: ${lines} lines, ${machineCount} machines, output ${Buffer.byteLength(oursOut)} bytes, ${iterations} iterations`);
console.log("| engine | mean µs | p50 µs | p99 µs | Go / this |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, s] of rows) {
  console.log(`| ${name} | ${s.mean.toFixed(0)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${(go / s.mean).toFixed(2)}× |`);
}
