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
  ["netboot (parse + execute)", await measure(() => parseTemplate("", template).execute(data))],
  ["netboot (execute only)", await measure(() => ours.execute(data))],
  ["Go text/template, wasm (parse + execute)", await measure(() => goRender(template, data))],
];

const go = rows[2][1].mean;
console.log(`template: ${lines} lines, ${machineCount} machines, output ${Buffer.byteLength(oursOut)} bytes, ${iterations} iterations`);
console.log("| engine | mean µs | p50 µs | p99 µs | Go / this |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, s] of rows) {
  console.log(`| ${name} | ${s.mean.toFixed(0)} | ${s.p50.toFixed(0)} | ${s.p99.toFixed(0)} | ${(go / s.mean).toFixed(2)}× |`);
}
