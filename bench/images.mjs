// OS images: the first download of a declared file through netboot (fetched from the upstream, verified, stored,
// streamed to the client) against the same upstream fetched directly; then cache hits against nginx.
import { createHash } from "node:crypto";
import { createReadStream, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { curl, downloads, makeAsset } from "./assets.mjs";
import { treeCpuSeconds } from "./lib/proc.mjs";
import { startNetboot, startNginx } from "./lib/servers.mjs";
import { fixed, printTable, ratio } from "./lib/table.mjs";

const GiB = 2 ** 30;

async function sha256File(file) {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 2 ** 20 })) hash.update(chunk);
  return hash.digest("hex");
}

/** One curl download of the whole file; wall time and the CPU of the servers named (upstream, and netboot when given). */
async function download(url, fileBytes, pids) {
  const before = pids.map(treeCpuSeconds);
  const started = performance.now();
  const bytes = await curl(url);
  const seconds = (performance.now() - started) / 1000;
  if (bytes !== fileBytes) throw new Error(`${url}: received ${bytes} of ${fileBytes} bytes`);
  const cpu = pids.map((pid, i) => (treeCpuSeconds(pid) - before[i]) / (fileBytes / GiB));
  return { gibPerSecond: fileBytes / GiB / seconds, seconds, cpuSecondsPerGiB: cpu };
}

const best = (runs, pick) => runs.reduce((a, b) => (pick(a, b) ? a : b));

/** `rounds` rounds of `clients` concurrent downloads after a warm-up, the best of each figure; stops the server. */
async function measure(server, url, clients, fileBytes, rounds) {
  try {
    await curl(url); // warm-up (and page cache)
    const runs = [];
    for (let i = 0; i < rounds; i++) runs.push(await downloads(server, url, clients, fileBytes));
    return { gibPerSecond: Math.max(...runs.map((r) => r.gibPerSecond)), cpuSecondsPerGiB: Math.min(...runs.map((r) => r.cpuPerGiB)), runs };
  } finally {
    await server.stop();
  }
}

export async function benchImages({ workDir, fileBytes, clients = 4, rounds = 2 }) {
  const upstreamRoot = path.join(workDir, "images-upstream");
  const file = makeAsset(path.join(upstreamRoot, "builds"), "os.img", fileBytes);
  const digest = await sha256File(file);
  const dataDir = path.join(workDir, "images-data");
  const assetsDir = path.join(workDir, "images-assets");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(assetsDir, { recursive: true, force: true });
  mkdirSync(path.join(dataDir, "sources"), { recursive: true });
  mkdirSync(assetsDir, { recursive: true });

  const upstream = await startNginx(workDir, upstreamRoot);
  const results = {};
  let netboot;
  try {
    writeFileSync(path.join(dataDir, "sources/bench.yaml"), `path: os/1\nurl: ${upstream.url}/builds/\nfiles:\n  - name: os.img\n    sha256: ${digest}\n    size: ${fileBytes}\n`);
    await curl(`${upstream.url}/builds/os.img`); // page cache
    const direct = [];
    for (let i = 0; i < rounds; i++) direct.push(await download(`${upstream.url}/builds/os.img`, fileBytes, [upstream.pid]));
    results.direct = best(direct, (a, b) => a.seconds <= b.seconds);

    netboot = await startNetboot({ dataPath: dataDir, assetsPath: assetsDir });
    const first = [];
    for (let i = 0; i < rounds; i++) {
      rmSync(path.join(assetsDir, "os"), { recursive: true, force: true });
      first.push(await download(`${netboot.url}/assets/os/1/os.img`, fileBytes, [upstream.pid, netboot.pid]));
    }
    results.firstDownload = best(first, (a, b) => a.seconds <= b.seconds);
    const hitServer = netboot;
    netboot = undefined; // measure() stops it
    results.netbootHits = await measure(hitServer, `${hitServer.url}/assets/os/1/os.img`, clients, fileBytes, rounds);
    const nginx = await startNginx(workDir, assetsDir);
    results.nginxHits = await measure(nginx, `${nginx.url}/os/1/os.img`, clients, fileBytes, rounds);
  } finally {
    await netboot?.stop();
    await upstream.stop();
  }

  const { direct, firstDownload, netbootHits, nginxHits } = results;
  printTable(
    `First download of a declared ${fixed(fileBytes / GiB, 2)} GiB file (fetched, sha256-checked, stored and sent to one curl client), best of ${rounds}`,
    ["path", "GiB/s", "vs direct", "upstream CPU-s per GiB", "netboot CPU-s per GiB"],
    [
      { path: "curl ← nginx upstream (direct)", "GiB/s": fixed(direct.gibPerSecond, 2), "vs direct": "1.00×", "upstream CPU-s per GiB": fixed(direct.cpuSecondsPerGiB[0], 3), "netboot CPU-s per GiB": "" },
      {
        path: "curl ← netboot ← nginx upstream (miss)",
        "GiB/s": fixed(firstDownload.gibPerSecond, 2),
        "vs direct": ratio(firstDownload.gibPerSecond, direct.gibPerSecond),
        "upstream CPU-s per GiB": fixed(firstDownload.cpuSecondsPerGiB[0], 3),
        "netboot CPU-s per GiB": fixed(firstDownload.cpuSecondsPerGiB[1], 3),
      },
    ],
  );
  const row = (label, r) => ({ server: label, "GiB/s": fixed(r.gibPerSecond, 2), "vs nginx": ratio(r.gibPerSecond, nginxHits.gibPerSecond), "CPU-s per GiB": fixed(r.cpuSecondsPerGiB, 3), "CPU vs nginx": ratio(r.cpuSecondsPerGiB, nginxHits.cpuSecondsPerGiB) });
  printTable(
    `Cache hits: the stored file, ${clients} concurrent curl clients, best of ${rounds}`,
    ["server", "GiB/s", "vs nginx", "CPU-s per GiB", "CPU vs nginx"],
    [row("netboot /assets/ (declared, cached)", netbootHits), row("nginx 1 worker, sendfile on", nginxHits)],
  );
  return { fileBytes, clients, ...results };
}
