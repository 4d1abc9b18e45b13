// Start-up and reload: spawn → first answer of `netboot serve` over N groups,
// against the floor (a process that reads and JSON-parses the same files, then
// answers), rounds interleaved; peak RSS; netboot again as the container image
// starts it (its NODE_OPTIONS); and how soon a changed group file is
// served.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateDataDir, macOf } from "./lib/data-dir.mjs";
import { cpuSeconds, freePort, memory, SERVER_CPU, sleep, startPinned } from "./lib/proc.mjs";
import { imageNodeOptions, netbootCliInUse } from "./lib/servers.mjs";
import { range3, ratioOf, spread } from "./lib/stats.mjs";
import { printTable } from "./lib/table.mjs";

const FLOOR = new URL("./servers/startup-floor.mjs", import.meta.url).pathname;

/** One GET with a short timeout: the status, or 0 when nothing answered. */
async function probe(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    const text = await res.text();
    return { status: res.status, text };
  } catch {
    return { status: 0, text: "" };
  }
}

/** Spawns a server and polls it every 5 ms until it answers (bounded); seconds to the first answer, CPU and peak RSS then. */
async function timeToFirstAnswer(command, args, port, env = process.env) {
  const started = performance.now();
  const handle = startPinned(SERVER_CPU, command, args, { stderr: "pipe", env });
  handle.child.stderr.resume();
  try {
    const deadline = Date.now() + 300_000;
    while (Date.now() < deadline) {
      if ((await probe(`http://127.0.0.1:${port}/`)).status) break;
      if (handle.child.exitCode !== null) throw new Error(`${args[0]} exited ${handle.child.exitCode}`);
      await sleep(5);
    }
    return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSeconds(handle.pid), peakRssBytes: memory(handle.pid).peakRss };
  } finally {
    await handle.stop();
  }
}

/**
 * Reads every group and profile file once, so that whichever server starts
 * first does not pay for bringing a data directory not read for a while back
 * from disk (one such start took 22 s instead of 3 at 100,000 groups).
 */
function warmPageCache(dataPath) {
  for (const folder of ["groups", "profiles"]) {
    for (const name of readdirSync(path.join(dataPath, folder))) readFileSync(path.join(dataPath, folder, name));
  }
}

async function netbootArgs(dataPath) {
  const port = await freePort();
  return { port, args: [netbootCliInUse(), "serve", "-address", `127.0.0.1:${port}`, "-data-path", dataPath, "-assets-path", ""] };
}

/** Changes one group's metadata and measures until /metadata answers with it (polled every 10 ms). */
async function reloadLatency(dataPath) {
  const { port, args } = await netbootArgs(dataPath);
  const handle = startPinned(SERVER_CPU, process.execPath, args, { stderr: "pipe" });
  handle.child.stderr.resume();
  const file = path.join(dataPath, "groups", "node7.json");
  const original = readFileSync(file, "utf8");
  try {
    const url = `http://127.0.0.1:${port}/metadata?mac=${macOf(7)}`;
    for (let i = 0; i < 60_000 && (await probe(url)).status !== 200; i += 10) await sleep(10);
    await sleep(500); // past start-up work
    const marker = `changed-${Date.now()}`;
    const group = JSON.parse(original);
    group.metadata.hostname = marker;
    const written = performance.now();
    writeFileSync(file, JSON.stringify(group, null, 2));
    while (performance.now() - written < 30_000) {
      if ((await probe(url)).text.includes(marker)) return performance.now() - written;
      await sleep(10);
    }
    return NaN;
  } finally {
    writeFileSync(file, original);
    await handle.stop();
  }
}

/** netboot is also started as the container image starts it, with the image's NODE_OPTIONS (V8 heap settings). */
const IMAGE_NODE_OPTIONS = imageNodeOptions();
const IMAGE_COLUMN = `netboot with the image's NODE_OPTIONS (${IMAGE_NODE_OPTIONS || "none"}): s, peak RSS`;

export async function benchStartup({ workDir, sizes, rounds }) {
  const results = [];
  for (const groups of sizes) {
    const dataPath = generateDataDir(workDir, groups);
    warmPageCache(dataPath);
    const runs = { netboot: [], floor: [], image: [] };
    for (let r = 0; r < rounds; r++) {
      const ours = await netbootArgs(dataPath);
      runs.netboot.push(await timeToFirstAnswer(process.execPath, ours.args, ours.port));
      const port = await freePort();
      runs.floor.push(await timeToFirstAnswer(process.execPath, [FLOOR, String(port), dataPath], port));
      if (IMAGE_NODE_OPTIONS) {
        const image = await netbootArgs(dataPath);
        runs.image.push(await timeToFirstAnswer(process.execPath, image.args, image.port, { ...process.env, NODE_OPTIONS: IMAGE_NODE_OPTIONS }));
      }
    }
    const reloadMs = groups <= 10_000 ? await reloadLatency(dataPath) : NaN;
    results.push({ groups, runs, reloadMs });
  }
  printTable(
    `Start-up: spawn → first HTTP answer (pinned to one CPU), ${rounds} interleaved rounds, min/median/max; floor = read + JSON.parse of every group and profile file, then answer`,
    ["groups", "netboot s", "floor s", "ratio", "netboot CPU-s", "floor CPU-s", "netboot peak RSS MiB", "floor peak RSS MiB", "changed file served after ms", IMAGE_COLUMN],
    results.map(({ groups, runs, reloadMs }) => {
      const s = (list, key) => spread(list.map((r) => r[key]));
      const mib = (list) => spread(list.map((r) => r.peakRssBytes / 2 ** 20));
      return {
        groups: groups.toLocaleString("en"),
        "netboot s": range3(s(runs.netboot, "seconds")),
        "floor s": range3(s(runs.floor, "seconds")),
        ratio: ratioOf(s(runs.netboot, "seconds"), s(runs.floor, "seconds")),
        "netboot CPU-s": range3(s(runs.netboot, "cpuSeconds")),
        "floor CPU-s": range3(s(runs.floor, "cpuSeconds")),
        "netboot peak RSS MiB": range3(mib(runs.netboot), 0),
        "floor peak RSS MiB": range3(mib(runs.floor), 0),
        "changed file served after ms": Number.isFinite(reloadMs) ? reloadMs.toFixed(0) : "-",
        [IMAGE_COLUMN]: runs.image.length === 0 ? "-" : `${range3(s(runs.image, "seconds"))} s, ${range3(mib(runs.image), 0)} MiB`,
      };
    }),
  );
  return results;
}
