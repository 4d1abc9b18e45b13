// Load and reload time of the data directory at several group counts.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateDataDir } from "./lib/data-dir.mjs";
import { runPinned, SERVER_CPU } from "./lib/proc.mjs";
import { fixed, mib, printTable, ratio } from "./lib/table.mjs";

const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), "servers", "store-probe.mjs");

export async function benchStore({ workDir, sizes }) {
  const results = [];
  for (const groups of sizes) {
    const dataPath = generateDataDir(workDir, groups);
    // A fresh process per size; the files are in the page cache from a first pass.
    await runPinned(SERVER_CPU, process.execPath, ["--expose-gc", PROBE, dataPath], 600_000);
    const probe = JSON.parse(await runPinned(SERVER_CPU, process.execPath, ["--expose-gc", PROBE, dataPath], 600_000));
    if (probe.groups !== groups || probe.problems !== 0) throw new Error(`store loaded ${probe.groups} groups and ${probe.problems} problems from ${groups}`);
    results.push({ groups, ...probe });
  }
  printTable(
    "Data directory load (DataStore.open) and reload after one file changes; floor = read + JSON.parse of every file, same process",
    ["groups", "open ms", "floor ms", "open ratio", "reload ms", "floor ms ", "reload ratio", "heap MiB"],
    results.map((r) => ({
      groups: r.groups.toLocaleString("en"),
      "open ms": fixed(r.openMs, 0),
      "floor ms": fixed(r.floorLoadMs, 0),
      "open ratio": ratio(r.openMs, r.floorLoadMs),
      "reload ms": fixed(r.reloadMs, 0),
      "floor ms ": fixed(r.floorReloadMs, 0),
      "reload ratio": ratio(r.reloadMs, r.floorReloadMs),
      "heap MiB": mib(r.heapGrowthBytes),
    })),
  );
  return results;
}
