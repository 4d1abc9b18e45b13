// Times DataStore.open over a data directory, then a reload after one group file changes,
// next to the floor: reading and JSON-parsing every group and profile file with nothing else.
import { promises as fs, utimesSync } from "node:fs";
import path from "node:path";
import { pino } from "pino";
import { DataStore } from "../../dist/server/store/store.js";

const dataDir = process.argv[2];

async function readAllFiles() {
  let count = 0;
  for (const folder of ["groups", "profiles"]) {
    const names = (await fs.readdir(path.join(dataDir, folder))).filter((n) => n.endsWith(".json")).sort();
    for (let i = 0; i < names.length; i += 64) {
      await Promise.all(names.slice(i, i + 64).map(async (n) => JSON.parse(await fs.readFile(path.join(dataDir, folder, n), "utf8"))));
    }
    count += names.length;
  }
  return count;
}

const timed = async (work) => {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
};

const floorLoad = await timed(readAllFiles);
globalThis.gc();
const heapBefore = process.memoryUsage().heapUsed;
const open = await timed(() => DataStore.open(dataDir, { logger: pino({ level: "silent" }), watch: false }));
const store = open.value;
globalThis.gc();
const heapAfter = process.memoryUsage().heapUsed;
const touched = path.join(dataDir, "groups", "default.json");
const now = new Date();
utimesSync(touched, now, now);
const reload = await timed(() => store.reload("bench"));
const floorReload = await timed(readAllFiles);
store.close();
process.stdout.write(
  JSON.stringify({
    files: floorLoad.value,
    groups: store.current.groups.length,
    problems: store.current.problems.length,
    openMs: open.ms,
    reloadMs: reload.ms,
    floorLoadMs: floorLoad.ms,
    floorReloadMs: floorReload.ms,
    heapGrowthBytes: heapAfter - heapBefore,
  }),
);
