// Serving one large asset over loopback: throughput and server CPU-seconds per GiB, netboot against nginx.
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import path from "node:path";
import { CLIENT_CPU, runPinned, treeCpuSeconds } from "./lib/proc.mjs";
import { startNetboot, startNginx, startScript } from "./lib/servers.mjs";
import { fixed, printTable, ratio } from "./lib/table.mjs";

const GiB = 2 ** 30;

export function makeAsset(dir, bytes, name = "big.bin") {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  if (existsSync(file) && statSync(file).size === bytes) return file;
  const block = randomBytes(2 ** 20);
  const fd = openSync(file, "w");
  for (let written = 0; written < bytes; written += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - written));
  closeSync(fd);
  return file;
}

export function curl(url) {
  return runPinned(CLIENT_CPU, "curl", ["-sS", "--fail", "-o", "/dev/null", "-w", "%{size_download}", url], 600_000).then(Number);
}

/** `clients` concurrent curl downloads of the whole file; server CPU from /proc. */
async function round(server, url, clients, fileBytes) {
  const cpuBefore = treeCpuSeconds(server.pid);
  const started = performance.now();
  const sizes = await Promise.all(Array.from({ length: clients }, () => curl(url)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = treeCpuSeconds(server.pid) - cpuBefore;
  const bytes = sizes.reduce((a, b) => a + b, 0);
  if (bytes !== clients * fileBytes) throw new Error(`${server.name}: received ${bytes} of ${clients * fileBytes} bytes`);
  return { gibPerSecond: bytes / GiB / seconds, cpuSecondsPerGiB: cpu / (bytes / GiB) };
}

export async function measure(server, url, clients, fileBytes, rounds) {
  try {
    await curl(url); // warm-up (and page cache)
    const runs = [];
    for (let i = 0; i < rounds; i++) runs.push(await round(server, url, clients, fileBytes));
    const best = (key, pick) => runs.map((r) => r[key]).reduce((a, b) => pick(a, b));
    return { gibPerSecond: best("gibPerSecond", Math.max), cpuSecondsPerGiB: best("cpuSecondsPerGiB", Math.min), runs };
  } finally {
    await server.stop();
  }
}

export async function benchAssets({ workDir, fileBytes, clients, rounds = 2 }) {
  const root = path.join(workDir, "assets-root");
  const assetsDir = path.join(root, "assets");
  makeAsset(assetsDir, fileBytes);
  const emptyData = path.join(workDir, "data-empty");
  mkdirSync(emptyData, { recursive: true });

  const results = {};
  let server = await startNginx(workDir, root);
  results.nginx = await measure(server, `${server.url}/assets/big.bin`, clients, fileBytes, rounds);
  server = await startNetboot({ dataPath: emptyData, assetsPath: assetsDir });
  results.netboot = await measure(server, `${server.url}/assets/big.bin`, clients, fileBytes, rounds);
  server = await startScript("fastify-static.mjs", [assetsDir]);
  results.fastifyStatic64k = await measure(server, `${server.url}/assets/big.bin`, clients, fileBytes, rounds);
  server = await startScript("fastify-static.mjs", [assetsDir, String(2 ** 20)]);
  results.fastifyStatic1m = await measure(server, `${server.url}/assets/big.bin`, clients, fileBytes, rounds);

  const row = (label, r) => ({
    server: label,
    "GiB/s": fixed(r.gibPerSecond, 2),
    "vs nginx": ratio(r.gibPerSecond, results.nginx.gibPerSecond),
    "CPU-s per GiB": fixed(r.cpuSecondsPerGiB, 3),
    "CPU vs nginx": ratio(r.cpuSecondsPerGiB, results.nginx.cpuSecondsPerGiB),
  });
  printTable(
    `One ${fixed(fileBytes / GiB, 2)} GiB asset, ${clients} concurrent curl clients on their own CPU, best of ${rounds} rounds`,
    ["server", "GiB/s", "vs nginx", "CPU-s per GiB", "CPU vs nginx"],
    [
      row("netboot /assets/ (as shipped)", results.netboot),
      row("@fastify/static sendFile, default 64 KiB reads", results.fastifyStatic64k),
      row("@fastify/static sendFile, highWaterMark 1 MiB", results.fastifyStatic1m),
      row("nginx 1 worker, sendfile on", results.nginx),
    ],
  );
  return { fileBytes, clients, ...results };
}
