// Boot storm: many machines at once, each on one kept-alive connection fetching
// /boot.ipxe → /ipxe → kernel (16 MiB) → initrd (64 MiB); netboot against nginx serving the same bytes as static files.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { randomBytes } from "node:crypto";
import { generateDataDir } from "./lib/data-dir.mjs";
import { childPids, CLIENT_CPU, memory, runPinned, sleep, treeCpuSeconds } from "./lib/proc.mjs";
import { startNetboot, startNginx } from "./lib/servers.mjs";
import { fixed, mib, printTable } from "./lib/table.mjs";

const CLIENT = path.join(path.dirname(fileURLToPath(import.meta.url)), "lib", "storm-client.mjs");
const KERNEL_BYTES = 16 * 2 ** 20;
const INITRD_BYTES = 64 * 2 ** 20;
const DEADLINE_SECONDS = 600;

function writeSized(file, bytes) {
  if (existsSync(file) && statSync(file).size === bytes) return;
  const block = randomBytes(2 ** 20);
  writeFileSync(file, Buffer.concat(Array.from({ length: bytes / block.length }, () => block)));
}

/** nginx gets netboot's own answers as static files, so both serve the same bytes. */
export async function writeStaticAnswers(netbootUrl, staticRoot) {
  for (const [route, file] of [["/boot.ipxe", "boot.ipxe"], ["/ipxe?mac=52-54-00-00-00-01", "ipxe"]]) {
    writeFileSync(path.join(staticRoot, file), Buffer.from(await (await fetch(netbootUrl + route)).arrayBuffer()));
  }
}

/** Peak RSS of the server while the storm runs: the kernel's high-water mark, summed over nginx's processes. */
function peakRss(pid) {
  return [pid, ...childPids(pid)].reduce((sum, p) => sum + memory(p).peakRss, 0);
}

async function storm(server, clients) {
  const before = peakRss(server.pid);
  const cpuBefore = treeCpuSeconds(server.pid);
  const summary = JSON.parse(await runPinned(CLIENT_CPU, process.execPath, [CLIENT, server.url, String(clients), String(DEADLINE_SECONDS)], (DEADLINE_SECONDS + 60) * 1000));
  await sleep(200);
  return { ...summary, peakRssBytes: peakRss(server.pid), idleRssBeforeBytes: before, serverCpuSeconds: treeCpuSeconds(server.pid) - cpuBefore };
}

/** The storm's data directory (201 groups) and its kernel and initrd, under `storm-static/assets`. */
export function prepareStorm(workDir) {
  const dataPath = generateDataDir(workDir, 201);
  const staticRoot = path.join(workDir, "storm-static");
  const assets = path.join(staticRoot, "assets");
  mkdirSync(assets, { recursive: true });
  writeSized(path.join(assets, "vmlinuz"), KERNEL_BYTES);
  writeSized(path.join(assets, "initrd.img"), INITRD_BYTES);
  return { dataPath, staticRoot, assets };
}

export async function benchStorm({ workDir, clients }) {
  const { dataPath, staticRoot, assets } = prepareStorm(workDir);

  const netboot = await startNetboot({ dataPath, assetsPath: assets });
  let ours;
  try {
    await writeStaticAnswers(netboot.url, staticRoot);
    ours = await storm(netboot, clients);
  } finally {
    await netboot.stop();
  }
  const nginx = await startNginx(workDir, staticRoot);
  let ref;
  try {
    ref = await storm(nginx, clients);
  } finally {
    await nginx.stop();
  }
  const row = (label, r) => ({
    server: label,
    completed: `${r.completed}/${r.clients}`,
    errors: r.errors,
    "extra connections": r.extraConnections,
    "p50 s": fixed(r.p50Ms / 1000, 1),
    "p99 s": fixed(r.p99Ms / 1000, 1),
    "all done s": fixed(r.wallMs / 1000, 1),
    "peak RSS MiB": mib(r.peakRssBytes),
    "server CPU s": fixed(r.serverCpuSeconds, 1),
  });
  printTable(
    `Boot storm over loopback: ${clients} machines, one kept-alive connection each, /boot.ipxe → /ipxe → 16 MiB kernel → 64 MiB initrd (${fixed((clients * (KERNEL_BYTES + INITRD_BYTES)) / 2 ** 30, 1)} GiB in all)`,
    ["server", "completed", "errors", "extra connections", "p50 s", "p99 s", "all done s", "peak RSS MiB", "server CPU s"],
    [row("netboot", ours), row("nginx (same bytes, static)", ref), { server: "ratio netboot/nginx", "p50 s": (ours.p50Ms / ref.p50Ms).toFixed(2) + "×", "p99 s": (ours.p99Ms / ref.p99Ms).toFixed(2) + "×", "all done s": (ours.wallMs / ref.wallMs).toFixed(2) + "×", "peak RSS MiB": (ours.peakRssBytes / ref.peakRssBytes).toFixed(1) + "×", "server CPU s": (ours.serverCpuSeconds / ref.serverCpuSeconds).toFixed(1) + "×" }],
  );
  if (ours.errorSamples.length) console.log("netboot errors:", ours.errorSamples.join("; "));
  if (ref.errorSamples.length) console.log("nginx errors:", ref.errorSamples.join("; "));
  return { clients, netboot: ours, nginx: ref };
}
