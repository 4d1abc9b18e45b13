// /ipxe requests/s and p99 latency at several group counts, against a bare node:http server answering a fixed string.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { generateDataDir } from "./lib/data-dir.mjs";
import { CLIENT_CPU, cpuSeconds, runPinned } from "./lib/proc.mjs";
import { startNetboot, startScript } from "./lib/servers.mjs";
import { range3, ratioOf, spread } from "./lib/stats.mjs";
import { fixed, printTable } from "./lib/table.mjs";

/** wrk script: every request asks for a random generated machine's /ipxe (1 in 10 unknown, so it gets the default group). */
function wrkScript(groups) {
  return `
math.randomseed(42)
local known = ${Math.max(groups - 1, 1)}
request = function()
  local i = math.random(0, known - 1)
  if math.random(10) == 1 then i = 16777215 - math.random(0, 1000) end
  local mac = string.format("52:54:00:%02x:%02x:%02x", math.floor(i / 65536) % 256, math.floor(i / 256) % 256, i % 256)
  return wrk.format("GET", "/ipxe?mac=" .. mac)
end
`;
}

function toMs(value, unit) {
  return Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];
}

/** Runs wrk (pinned to the client CPU) and reads requests/s, p99 and errors from its report. */
export async function wrk(url, { script, seconds, connections }) {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", "--timeout", "5s"];
  if (script) args.push("-s", script);
  const out = await runPinned(CLIENT_CPU, "wrk", [...args, url], (seconds + 30) * 1000);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((s, n) => s + Number(n), 0) : 0);
  return { rps, p99Ms: p99 ? toMs(p99[1], p99[2]) : NaN, errors, raw: out };
}

/** One wrk run, with the server's CPU time per answered request (less sensitive than req/s to other load on the machine). */
async function measure(server, options) {
  const cpuBefore = cpuSeconds(server.pid);
  const run = await wrk(`${server.url}/ipxe`, options);
  const cpuUs = ((cpuSeconds(server.pid) - cpuBefore) * 1e6) / (run.rps * options.seconds);
  return { rps: run.rps, p99Ms: run.p99Ms, errors: run.errors, cpuUsPerRequest: cpuUs };
}

/** Alternates netboot and the reference `rounds` times and keeps the median of each figure. */
async function compare(netboot, reference, framework, options, rounds) {
  const runs = { netboot: [], reference: [], framework: [] };
  await wrk(`${netboot.url}/ipxe`, { ...options, seconds: 2 }); // warm-up
  await wrk(`${reference.url}/ipxe`, { ...options, seconds: 2 });
  await wrk(`${framework.url}/ipxe`, { ...options, seconds: 2 });
  for (let round = 0; round < rounds; round++) {
    runs.netboot.push(await measure(netboot, options));
    runs.reference.push(await measure(reference, options));
    runs.framework.push(await measure(framework, options));
  }
  const summary = (list) => ({
    rps: spread(list.map((r) => r.rps)),
    p99Ms: spread(list.map((r) => r.p99Ms)),
    cpuUsPerRequest: spread(list.map((r) => r.cpuUsPerRequest)),
    errors: list.reduce((sum, r) => sum + r.errors, 0),
    runs: list,
  });
  return { netboot: summary(runs.netboot), reference: summary(runs.reference), framework: summary(runs.framework) };
}

export async function benchIpxe({ workDir, sizes, seconds, connections, rounds }) {
  const rows = [];
  const results = [];
  const reference = await startScript("fixed-string.mjs");
  const framework = await startScript("fastify-fixed.mjs");
  try {
    for (const groups of sizes) {
      const dataPath = generateDataDir(workDir, groups);
      const script = path.join(workDir, `wrk-${groups}.lua`);
      writeFileSync(script, wrkScript(groups));
      const netboot = await startNetboot({ dataPath, assetsPath: "" });
      try {
        const { netboot: ours, reference: ref, framework: bare } = await compare(netboot, reference, framework, { script, seconds, connections }, rounds);
        results.push({ groups, netboot: ours, reference: ref, fastifyMinimal: bare });
        rows.push({
          groups: groups.toLocaleString("en"),
          "netboot CPU µs/req": range3(ours.cpuUsPerRequest, 0),
          "node:http CPU µs/req": range3(ref.cpuUsPerRequest, 0),
          "CPU ratio": ratioOf(ours.cpuUsPerRequest, ref.cpuUsPerRequest),
          "bare fastify CPU µs/req": range3(bare.cpuUsPerRequest, 0),
          "netboot req/s": range3(ours.rps, 0),
          "node:http req/s": range3(ref.rps, 0),
          "netboot p99 ms": fixed(ours.p99Ms.median, 1),
          "node:http p99 ms": fixed(ref.p99Ms.median, 1),
          "netboot errors": ours.errors,
        });
      } finally {
        await netboot.stop();
      }
    }
  } finally {
    await reference.stop();
    await framework.stop();
  }
  printTable(
    `/ipxe, ${connections} keep-alive connections, ${rounds} alternating ${seconds} s runs, min/median/max (wrk on its own CPU; netboot logs a line per request to a pipe)`,
    Object.keys(rows[0] ?? {}),
    rows,
  );
  return results;
}
