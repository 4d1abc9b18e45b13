// npm run bench [-- --only assets,ipxe,startup,storm,tunnel,images] [--quick] [--rounds N] [--netboot-cli PATH]
// (images, the OS image cache, is optional: not in the default set)
// Benchmarks netboot against references measured in the same run, rounds interleaved.
// Loopback parts send only to 127.0.0.1; the tunnel part only to addresses inside
// namespaces it creates, from clients run under `ip netns exec`. Every loop is bounded.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { hasCommand, machine } from "./lib/proc.mjs";
import { CLI, netbootCliInUse, REPO_ROOT, useNetbootCli } from "./lib/servers.mjs";

const PARTS = ["assets", "ipxe", "startup", "storm", "tunnel"];
const OPTIONAL_PARTS = ["images"];
const { values } = parseArgs({
  options: {
    only: { type: "string", default: PARTS.join(",") },
    quick: { type: "boolean", default: false },
    rounds: { type: "string" },
    "netboot-cli": { type: "string" },
    "ipxe-groups": { type: "string" },
    "storm-clients": { type: "string" },
    "tunnel-clients": { type: "string" },
  },
});
const only = new Set(values.only.split(","));
for (const part of only) if (!PARTS.includes(part) && !OPTIONAL_PARTS.includes(part)) throw new Error(`unknown part ${part} (parts: ${[...PARTS, ...OPTIONAL_PARTS].join(", ")})`);
const quick = values.quick;
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
if (values["netboot-cli"]) useNetbootCli(values["netboot-cli"]);

if (!existsSync(netbootCliInUse())) {
  console.error(`${netbootCliInUse()} is missing: run \`npm run build\` first`);
  process.exit(1);
}
const tools = new Set(["taskset"]);
if (only.has("ipxe") || only.has("assets")) tools.add("wrk");
if (only.has("assets")) ["nginx", "curl"].forEach((t) => tools.add(t));
if (only.has("storm")) tools.add("nginx");
if (only.has("tunnel")) ["nginx", "curl", "wg", "wireguard-go", "ip"].forEach((t) => tools.add(t));
if (only.has("images")) ["nginx", "curl"].forEach((t) => tools.add(t));
for (const tool of tools) {
  if (!hasCommand(tool) && !existsSync(`/usr/sbin/${tool}`)) {
    console.error(`${tool} is needed (Debian: apt-get install wrk nginx-light curl util-linux wireguard-tools wireguard-go iproute2)`);
    process.exit(1);
  }
}
if (only.has("tunnel") && process.getuid?.() !== 0) {
  console.error("the tunnel part creates network namespaces: run it as root, or leave it out (--only assets,ipxe,startup,storm)");
  process.exit(1);
}

const workDir = path.join(REPO_ROOT, "bench/out");
mkdirSync(workDir, { recursive: true });
const results = { machine: machine(), at: new Date().toISOString(), quick, rounds, netbootCli: netbootCliInUse() };
const m = results.machine;
console.log(`machine: ${m.nproc} CPUs (${m.cpuModel}), Node ${m.node}, load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(1)).join(" ")}`);
// The package's Node (package.json engines, ">=26") is the one the image runs.
const requiredNodeMajor = Number(/\d+/.exec(JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).engines.node)[0]);
if (Number(process.versions.node.split(".")[0]) < requiredNodeMajor) {
  console.log(`note: netboot and its image run Node ${requiredNodeMajor}; with Node ${process.versions.node} start-up is slower (no compile cache). PATH="$(scripts/fetch-node.sh)/bin:$PATH" npm run bench measures with it.`);
}
console.log(`netboot: ${netbootCliInUse()}${netbootCliInUse() === CLI ? "" : " (not this checkout's build)"}, built ${statSync(netbootCliInUse()).mtime.toISOString()}`);
const started = performance.now();
const timed = async (name, work) => {
  const t = performance.now();
  results[name] = await work();
  console.log(`(${name}: ${((performance.now() - t) / 1000).toFixed(0)} s)`);
};

if (only.has("assets")) await timed("assets", async () => (await import("./assets.mjs")).benchAssets({ workDir, rounds, quick }));
if (only.has("ipxe")) {
  const sizes = values["ipxe-groups"] ? values["ipxe-groups"].split(",").map(Number) : [1000];
  await timed("ipxe", async () => (await import("./ipxe.mjs")).benchIpxe({ workDir, sizes, seconds: quick ? 3 : 5, connections: 64, rounds }));
}
if (only.has("startup")) await timed("startup", async () => (await import("./startup.mjs")).benchStartup({ workDir, sizes: quick ? [10_000] : [10_000, 100_000], rounds }));
if (only.has("storm")) await timed("storm", async () => (await import("./storm.mjs")).benchStorm({ workDir, clients: Number(values["storm-clients"] ?? (quick ? 20 : 100)) }));
if (only.has("tunnel")) await timed("tunnel", async () => (await import("./tunnel.mjs")).benchTunnel({ workDir, clients: Number(values["tunnel-clients"] ?? (quick ? 10 : 30)) }));
if (only.has("images")) await timed("images", async () => (await import("./images.mjs")).benchImages({ workDir, fileBytes: quick ? 256 * 2 ** 20 : 2 ** 30 }));

console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; raw figures: ${path.relative(process.cwd(), path.join(workDir, "results.json"))}`);
writeFileSync(path.join(workDir, "results.json"), JSON.stringify(results, null, 2) + "\n");
