// Assets over loopback: server CPU-seconds per GiB and throughput with 16 and 64
// concurrent whole-file downloads, and CPU per 1 MiB Range request; netboot
// against the Node floor (plain node:http + fs stream) and nginx (sendfile),
// measured in the same run, rounds interleaved.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import path from "node:path";
import { CLIENT_CPU, memory, childPids, runPinned, treeCpuSeconds } from "./lib/proc.mjs";
import { startNetboot, startNginx, startScript } from "./lib/servers.mjs";
import { range3, ratioOf, spread } from "./lib/stats.mjs";
import { printTable } from "./lib/table.mjs";

const GiB = 2 ** 30;
const MiB = 2 ** 20;

export function makeAsset(dir, name, bytes) {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  if (existsSync(file) && statSync(file).size === bytes) return file;
  const block = randomBytes(MiB);
  const fd = openSync(file, "w");
  for (let written = 0; written < bytes; written += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  closeSync(fd);
  return file;
}

/** A whole download with curl; its size, checked against what the server announced. */
export async function curl(url) {
  const out = await runPinned(CLIENT_CPU, "curl", ["-sS", "--fail", "-o", "/dev/null", "-w", "%{size_download} %{http_code} %{exitcode}", url], 600_000);
  const [size, status, exit] = out.trim().split(" ").map(Number);
  if (status !== 200 || exit !== 0) throw new Error(`curl ${url}: HTTP ${status}, exit ${exit}, ${size} bytes`);
  return size;
}
const peakRss = (pid) => [pid, ...childPids(pid)].reduce((sum, p) => sum + memory(p).peakRss, 0);

/** One round: `clients` concurrent downloads of the whole file. */
export async function downloads(server, url, clients, fileBytes) {
  const cpuBefore = treeCpuSeconds(server.pid);
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: clients }, () => curl(url)));
  const seconds = (performance.now() - started) / 1000;
  const bytes = sizes.reduce((a, b) => a + b, 0);
  if (bytes !== clients * fileBytes) throw new Error(`${server.name}: received ${bytes} of ${clients * fileBytes} bytes (${sizes.join(" ")})`);
  return { cpuPerGiB: (treeCpuSeconds(server.pid) - cpuBefore) / (bytes / GiB), gibPerSecond: bytes / GiB / seconds };
}

/** wrk asking for random 1 MiB ranges of the file for `seconds`; server CPU per request. */
async function ranges(server, url, script, seconds) {
  const cpuBefore = treeCpuSeconds(server.pid);
  const out = await runPinned(CLIENT_CPU, "wrk", ["-t1", "-c8", `-d${seconds}s`, "--timeout", "10s", "-s", script, url], (seconds + 60) * 1000);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (requests === 0 || non2xx > 0) throw new Error(`${server.name}: ${requests} range requests, ${non2xx} not 206`);
  return { cpuMsPerRequest: ((treeCpuSeconds(server.pid) - cpuBefore) * 1000) / requests, requestsPerSecond: requests / seconds };
}

function rangeScript(workDir, fileBytes) {
  const file = path.join(workDir, "range.lua");
  writeFileSync(
    file,
    `math.randomseed(7)
request = function()
  local start = math.random(0, ${Math.floor((fileBytes - MiB) / 4096)}) * 4096
  return wrk.format("GET", nil, { Range = "bytes=" .. start .. "-" .. (start + ${MiB - 1}) })
end
`,
  );
  return file;
}

/** Starts the three servers over the same folder; `root` holds `assets/`. */
async function startAll(workDir, root) {
  const emptyData = path.join(workDir, "data-empty");
  mkdirSync(emptyData, { recursive: true });
  return [
    { label: "netboot", server: await startNetboot({ dataPath: emptyData, assetsPath: path.join(root, "assets") }) },
    { label: "Node floor", server: await startScript("node-floor.mjs", [root]) },
    { label: "nginx", server: await startNginx(workDir, root) },
  ];
}

export async function benchAssets({ workDir, rounds, quick }) {
  const root = path.join(workDir, "assets-root");
  const assets = path.join(root, "assets");
  // Each round moves about 4 GiB (1 GiB with --quick), whatever the concurrency.
  const perRound = quick ? 1 * GiB : 4 * GiB;
  const shapes = [
    { clients: 16, fileBytes: perRound / 16 },
    { clients: 64, fileBytes: perRound / 64 },
  ];
  for (const { fileBytes } of shapes) makeAsset(assets, `file-${fileBytes / MiB}m.bin`, fileBytes);
  const rangeFile = makeAsset(assets, "range-1g.bin", quick ? 256 * MiB : GiB);
  const script = rangeScript(workDir, statSync(rangeFile).size);

  const servers = await startAll(workDir, root);
  const results = { shapes: [], ranges: {} };
  try {
    for (const { clients, fileBytes } of shapes) {
      const name = `file-${fileBytes / MiB}m.bin`;
      const runs = Object.fromEntries(servers.map((s) => [s.label, []]));
      for (const s of servers) await curl(`${s.server.url}/assets/${name}`); // warm-up, page cache
      for (let r = 0; r < rounds; r++) {
        for (const s of servers) runs[s.label].push(await downloads(s.server, `${s.server.url}/assets/${name}`, clients, fileBytes));
      }
      results.shapes.push({ clients, fileBytes, runs });
    }
    const rangeRuns = Object.fromEntries(servers.map((s) => [s.label, []]));
    for (const s of servers) await ranges(s.server, `${s.server.url}/assets/range-1g.bin`, script, 2); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const s of servers) rangeRuns[s.label].push(await ranges(s.server, `${s.server.url}/assets/range-1g.bin`, script, quick ? 3 : 5));
    }
    results.ranges = rangeRuns;
    results.peakRss = Object.fromEntries(servers.map((s) => [s.label, peakRss(s.server.pid)]));
  } finally {
    for (const s of servers) await s.server.stop();
  }

  const rows = [];
  for (const { clients, fileBytes, runs } of results.shapes) {
    const cpu = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, spread(v.map((r) => r.cpuPerGiB))]));
    const tput = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, spread(v.map((r) => r.gibPerSecond))]));
    for (const label of Object.keys(runs)) {
      rows.push({
        work: `${clients} × ${fileBytes / MiB} MiB`,
        server: label,
        "CPU-s per GiB (min/med/max)": range3(cpu[label]),
        "vs Node floor": ratioOf(cpu[label], cpu["Node floor"]),
        "vs nginx": ratioOf(cpu[label], cpu.nginx),
        "GiB/s (min/med/max)": range3(tput[label]),
        "GiB/s vs nginx": ratioOf(tput[label], tput.nginx),
      });
    }
  }
  printTable(
    `Whole-file downloads, curl clients on their own CPU, ${rounds} interleaved rounds of ${perRound / GiB} GiB each (server CPU from /proc)`,
    ["work", "server", "CPU-s per GiB (min/med/max)", "vs Node floor", "vs nginx", "GiB/s (min/med/max)", "GiB/s vs nginx"],
    rows,
  );
  const rangeCpu = Object.fromEntries(Object.entries(results.ranges).map(([k, v]) => [k, spread(v.map((r) => r.cpuMsPerRequest))]));
  printTable(
    `1 MiB Range requests at random offsets of a ${statSync(rangeFile).size / MiB} MiB file, wrk with 8 connections, ${rounds} interleaved rounds`,
    ["server", "CPU ms per request (min/med/max)", "vs Node floor", "vs nginx", "peak RSS MiB (whole part)"],
    Object.keys(rangeCpu).map((label) => ({
      server: label,
      "CPU ms per request (min/med/max)": range3(rangeCpu[label]),
      "vs Node floor": ratioOf(rangeCpu[label], rangeCpu["Node floor"]),
      "vs nginx": ratioOf(rangeCpu[label], rangeCpu.nginx),
      "peak RSS MiB (whole part)": (results.peakRss[label] / MiB).toFixed(0),
    })),
  );
  return results;
}
