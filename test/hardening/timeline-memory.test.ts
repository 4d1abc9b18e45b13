import path from "node:path";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MachineSummary, MachineTimeline } from "../../server/observe/timeline.js";
import { makeDataDir, removeDir } from "../support/data-dir.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer, type ChildServer } from "./support/child-server.js";
import { bootableFiles, expectBootScript, GOOD_MAC } from "./support/fixtures.js";
import { peakResidentBytesOf, residentBytes } from "./support/memory.js";

/** The server's heap is capped well below what the flood's URLs add up to (about 100 MiB). */
const HEAP_CAP_MIB = 96;
/**
 * How far the server's resident memory may rise above what it held once
 * listening: the heap cap, with room for buffers, whatever the runtime's own
 * size (which differs between Node versions).
 */
const RSS_GROWTH_BUDGET_MIB = 112;
const MACHINES = 1024;
const REQUESTS_PER_MACHINE = 12;
const CONNECTIONS = 16;
const FLOOD_DEADLINE_MS = 90_000;
const URL_CHARS = 8000;

function macOf(n: number): string {
  return `52:54:00:${[(n >> 16) & 255, (n >> 8) & 255, n & 255].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
}

/**
 * Request `i` of the flood: a machine request with a secret and many long
 * labels, now and then an unlabelled asset request or an unknown path, each
 * close to the longest URL accepted and unlike any other.
 */
function floodTarget(i: number): string {
  const labels = Array.from({ length: 30 }, (_, k) => `k${k}=${String(i).padEnd(250, "v")}`).join("&");
  const base =
    i % 8 === 7 ? `/scan-${i}/${"p".repeat(100)}?${labels}` : i % 4 === 3 ? `/assets/missing-${i}?${labels}` : `/ipxe?mac=${macOf(i % MACHINES)}&token=secret-${i}&${labels}`;
  return base.slice(0, URL_CHARS);
}

describe("boot timeline memory under a flood of machines with long URLs", () => {
  let cli: string;
  let dataDir: string;
  let server: ChildServer | undefined;
  beforeAll(() => {
    cli = ensureBuiltCli();
    dataDir = makeDataDir({ ...bootableFiles(), "assets/vmlinuz": "kernel" });
  }, 240_000);
  afterAll(() => {
    server?.stop();
    removeDir(dataDir);
  });

  it(
    `keeps a server with a ${HEAP_CAP_MIB} MiB heap alive, answering and growing at most ${RSS_GROWTH_BUDGET_MIB} MiB`,
    async () => {
      server = await spawnServer(cli, ["-data-path", dataDir, "-assets-path", path.join(dataDir, "assets"), "-debug-address", "127.0.0.1:0"], {
        nodeOptions: [`--max-old-space-size=${HEAP_CAP_MIB}`],
        keepLine: (line) => !line.includes('"msg":"request"'),
      });
      const startMiB = residentBytes(server.proc.pid!) / 2 ** 20;
      const pool = new Pool(server.url, { connections: CONNECTIONS, pipelining: 1 });
      const total = MACHINES * REQUESTS_PER_MACHINE;
      const deadline = Date.now() + FLOOD_DEADLINE_MS;
      let answered = 0;
      const failures: string[] = [];
      const worker = async (first: number) => {
        for (let i = first; i < total && Date.now() < deadline && server!.proc.exitCode === null; i += CONNECTIONS) {
          try {
            const res = await pool.request({ path: floodTarget(i), method: "GET" });
            await res.body.dump();
            answered++;
          } catch (err) {
            failures.push(`request ${i}: ${(err as Error).message}`);
            if (failures.length > 20) return;
          }
        }
      };
      await Promise.all(Array.from({ length: CONNECTIONS }, (_, w) => worker(w)));
      await pool.close();

      expect(server.proc.exitCode, "the server died during the flood").toBeNull();
      expect(server.proc.signalCode).toBeNull();
      expect(failures.slice(0, 5)).toEqual([]);
      expect(answered).toBe(total);
      const peakMiB = peakResidentBytesOf(server.proc.pid!) / 2 ** 20;
      const growth = `resident memory ${startMiB.toFixed(0)} MiB listening, ${peakMiB.toFixed(0)} MiB at its peak`;
      expect(peakMiB - startMiB, growth).toBeLessThan(RSS_GROWTH_BUDGET_MIB);

      const boot = await fetch(`${server.url}/ipxe?mac=${GOOD_MAC}`);
      expect(boot.status).toBe(200);
      expectBootScript(await boot.text());

      // What the views hold is bounded, and keeps no secret.
      const machines = ((await (await fetch(`${server.debugUrl}/machines`)).json()) as { machines: MachineSummary[] }).machines;
      expect(machines.length).toBeGreaterThan(0);
      expect(machines.length).toBeLessThanOrEqual(MACHINES);
      const recent = (await (await fetch(`${server.debugUrl}/machines/${machines[0]!.id}`)).json()) as MachineTimeline;
      for (const event of recent.timeline) {
        expect(event.url.length).toBeLessThanOrEqual(512);
        expect(event.url).not.toMatch(/secret-/);
      }
      expect(Object.values(recent.labels).every((value) => value === "***" || value.length <= 256)).toBe(true);
      const metrics = await (await fetch(`${server.debugUrl}/metrics`)).text();
      const series = metrics.split("\n").filter((line) => line.startsWith("netboot_http_requests_total{"));
      expect(series.length, series.join("\n")).toBeLessThanOrEqual(8);
      expect(metrics).not.toMatch(/scan-|secret-|52:54:00/);
    },
    FLOOD_DEADLINE_MS + 60_000,
  );
});
