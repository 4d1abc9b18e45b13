/**
 * Times `netboot validate`'s phases over a directory of 10,000 groups (or the
 * count given): wall and CPU milliseconds per phase.
 *
 *   node_modules/.bin/vite-node test/validate/bench-validate.ts [COUNT]
 */
import { FileCache, loadSnapshot } from "../../server/store/loader.js";
import { checkRendering } from "../../server/validate/render.js";
import { checkStructure } from "../../server/validate/structure.js";
import { removeDir } from "../support/data-dir.js";
import { makeManyGroups } from "./many-groups.js";

async function timed<T>(work: () => T | Promise<T>): Promise<{ result: T; wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await work();
  const used = process.cpuUsage(cpu);
  return { result, wallMs: Math.round(performance.now() - started), cpuMs: Math.round((used.user + used.system) / 1000) };
}

const count = Number(process.argv[2] ?? 10_000);
const dir = makeManyGroups(count);
try {
  const load = await timed(() => loadSnapshot(dir, new FileCache(), 1));
  const structure = await timed(() => checkStructure(load.result));
  const render = await timed(() => checkRendering(load.result));
  const problems = structure.result.length + render.result.length + load.result.problems.length;
  console.log(JSON.stringify({ groups: load.result.groups.length, problems, load: { wallMs: load.wallMs, cpuMs: load.cpuMs }, structure: { wallMs: structure.wallMs, cpuMs: structure.cpuMs }, render: { wallMs: render.wallMs, cpuMs: render.cpuMs } }));
} finally {
  removeDir(dir);
}
