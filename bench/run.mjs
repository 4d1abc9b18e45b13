// npm run bench [-- --only ipxe,store,assets,storm,images] [--quick]   (images is optional: not in the default set)
// Benchmarks netboot against references on this machine; every load goes to 127.0.0.1.
import { existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { hasCommand, machine } from "./lib/proc.mjs";
import { CLI, REPO_ROOT } from "./lib/servers.mjs";

const { values } = parseArgs({
  options: {
    only: { type: "string", default: "ipxe,store,assets,storm" },
    quick: { type: "boolean", default: false },
  },
});
const only = new Set(values.only.split(","));
const quick = values.quick;

if (!existsSync(CLI)) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
const tools = new Set(["taskset"]);
if (only.has("ipxe")) tools.add("wrk");
if (only.has("assets")) ["nginx", "curl"].forEach((t) => tools.add(t));
if (only.has("storm")) tools.add("nginx");
if (only.has("images")) ["nginx", "curl"].forEach((t) => tools.add(t));
for (const tool of tools) {
  if (!hasCommand(tool)) {
    console.error(`${tool} is needed (Debian: apt-get install wrk nginx-light curl util-linux)`);
    process.exit(1);
  }
}

const workDir = path.join(REPO_ROOT, "bench/out");
mkdirSync(workDir, { recursive: true });
const results = { machine: machine(), at: new Date().toISOString(), quick };
console.log(`machine: ${results.machine.nproc} CPUs (${results.machine.cpuModel}), Node ${results.machine.node}, built ${statSync(CLI).mtime.toISOString()}`);

if (only.has("ipxe")) {
  const { benchIpxe } = await import("./ipxe.mjs");
  results.ipxe = await benchIpxe({ workDir, sizes: quick ? [10, 1000] : [10, 1000, 100_000], seconds: quick ? 3 : 5, connections: 64, rounds: quick ? 1 : 3 });
}
if (only.has("store")) {
  const { benchStore } = await import("./store.mjs");
  results.store = await benchStore({ workDir, sizes: quick ? [1000] : [1000, 10_000, 100_000] });
}
if (only.has("assets")) {
  const { benchAssets } = await import("./assets.mjs");
  results.assets = await benchAssets({ workDir, fileBytes: quick ? 256 * 2 ** 20 : 2 ** 30, clients: 4 });
}
if (only.has("storm")) {
  const { benchStorm } = await import("./storm.mjs");
  results.storm = await benchStorm({ workDir, clients: quick ? 50 : 200 });
}

if (only.has("images")) {
  const { benchImages } = await import("./images.mjs");
  results.images = await benchImages({ workDir, fileBytes: quick ? 256 * 2 ** 20 : 2 ** 30 });
}

writeFileSync(path.join(workDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
console.log(`\nraw figures: ${path.relative(process.cwd(), path.join(workDir, "results.json"))}`);
