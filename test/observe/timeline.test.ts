import vm from "node:vm";
import v8 from "node:v8";
import { describe, expect, it } from "vitest";
import type { ResponseInfo } from "../../server/http/app.js";
import { labelsFromQuery, rawQueryOf } from "../../server/match/labels.js";
import { BootTimeline } from "../../server/observe/timeline.js";

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

let clock = Date.parse("2026-01-01T00:00:00Z");

function response(endpoint: string | undefined, url: string, remoteAddress: string, labels?: Record<string, string>, extra: Partial<ResponseInfo> = {}): ResponseInfo {
  clock += 1000;
  return {
    method: "GET",
    url,
    endpoint,
    outcome: labels ? { labels } : {},
    status: 200,
    durationMs: 1.5,
    bytes: 10,
    completed: true,
    remoteAddress,
    atMs: clock,
    ...extra,
  };
}

const bootIpxe = (address: string) => response("/boot.ipxe", "/boot.ipxe", address);
const ipxe = (address: string, mac: string) => response("/ipxe", `/ipxe?mac=${mac}`, address, { mac, uuid: "" });
const asset = (address: string, file: string) => response("/assets/", `/assets/${file}`, address);

describe("boot timeline", () => {
  it("keeps machines apart behind one address when they boot one after another", () => {
    const timeline = new BootTimeline();
    const router = "203.0.113.1";
    for (const [mac, kernel] of [["52:54:00:00:00:01", "a"], ["52:54:00:00:00:02", "b"]] as const) {
      timeline.record(bootIpxe(router));
      timeline.record(ipxe(router, mac));
      timeline.record(asset(router, kernel));
    }
    const stagesOf = (mac: string) => timeline.get(mac)!.timeline.map((e) => `${e.stage}:${e.url}`);
    expect(stagesOf("52:54:00:00:00:01")).toEqual(["boot-script:/boot.ipxe", "ipxe:/ipxe?mac=52:54:00:00:00:01", "asset:/assets/a"]);
    expect(stagesOf("52:54:00:00:00:02")).toEqual(["boot-script:/boot.ipxe", "ipxe:/ipxe?mac=52:54:00:00:00:02", "asset:/assets/b"]);
  });

  it("gives interleaved downloads behind one address to the machine that spoke last (the documented limit)", () => {
    const timeline = new BootTimeline();
    const router = "203.0.113.1";
    timeline.record(ipxe(router, "52:54:00:00:00:01"));
    timeline.record(ipxe(router, "52:54:00:00:00:02"));
    timeline.record(asset(router, "for-the-first-machine"));
    expect(timeline.get("52:54:00:00:00:01")!.timeline.map((e) => e.stage)).toEqual(["ipxe"]);
    expect(timeline.get("52:54:00:00:00:02")!.timeline.map((e) => e.url)).toEqual(["/ipxe?mac=52:54:00:00:00:02", "/assets/for-the-first-machine"]);
  });

  it("holds a firmware's download of ipxe.efi until the machine's first labelled request", () => {
    const timeline = new BootTimeline();
    timeline.record(asset("198.51.100.20", "ipxe.efi"));
    timeline.record(bootIpxe("198.51.100.20"));
    timeline.record(ipxe("198.51.100.20", "52:54:00:00:00:07"));
    expect(timeline.get("52:54:00:00:00:07")!.timeline.map((e) => e.stage)).toEqual(["asset", "boot-script", "ipxe"]);
  });

  it("does not attribute by address after the window, nor across addresses", () => {
    const timeline = new BootTimeline({ attributionWindowMs: 5000 });
    timeline.record(ipxe("192.0.2.10", "52:54:00:00:00:01"));
    clock += 10_000;
    timeline.record(asset("192.0.2.10", "late"));
    timeline.record(asset("192.0.2.11", "other-address"));
    expect(timeline.get("52:54:00:00:00:01")!.timeline).toHaveLength(1);
  });

  it("identifies a machine without a MAC by its UUID", () => {
    const timeline = new BootTimeline();
    timeline.record(response("/ignition", "/ignition?uuid=abc", "192.0.2.5", { uuid: "abc" }));
    expect(timeline.list()).toEqual([expect.objectContaining({ id: "uuid:abc", mac: null, uuid: "abc", lastStage: "ignition" })]);
    expect(timeline.get("uuid:abc")!.timeline).toHaveLength(1);
  });

  it("ignores requests that are not part of a boot", () => {
    const timeline = new BootTimeline();
    expect(timeline.record(response("/metrics", "/metrics", "192.0.2.5"))).toBeUndefined();
    expect(timeline.record(response(undefined, "/nope", "192.0.2.5"))).toBeUndefined();
    expect(timeline.machineCount).toBe(0);
  });

  it("stays within its bounds: least recently seen machines go first, each keeps its latest events", () => {
    const timeline = new BootTimeline({ maxMachines: 3, eventsPerMachine: 4 });
    const macs = ["52:54:00:00:00:01", "52:54:00:00:00:02", "52:54:00:00:00:03", "52:54:00:00:00:04"];
    for (const mac of macs.slice(0, 3)) timeline.record(ipxe("192.0.2.1", mac));
    timeline.record(ipxe("192.0.2.1", macs[0]!)); // seen again: now the most recent
    timeline.record(ipxe("192.0.2.1", macs[3]!)); // evicts the least recently seen: macs[1]
    expect(timeline.list().map((m) => m.id)).toEqual([macs[3], macs[0], macs[2]]);
    expect(timeline.get(macs[1]!)).toBeUndefined();

    for (let i = 0; i < 10; i++) timeline.record(asset("192.0.2.1", `f${i}`));
    expect(timeline.get(macs[3]!)!.timeline.map((e) => e.url)).toEqual(["/assets/f6", "/assets/f7", "/assets/f8", "/assets/f9"]);
  });

  it("keeps long URLs and labels short, so the bounds hold in bytes too", () => {
    const timeline = new BootTimeline({ keepQueryValues: true });
    const long = "x".repeat(8000);
    const labels: Record<string, string> = { mac: "52:54:00:00:00:08" };
    for (let i = 0; i < 100; i++) labels[`k${i}`] = long;
    timeline.record(response("/ipxe", `/ipxe?mac=52:54:00:00:00:08&pad=${long}`, "192.0.2.9", labels));
    const machine = timeline.get("52:54:00:00:00:08")!;
    expect(machine.timeline[0]!.url.length).toBe(512);
    expect(machine.timeline[0]!.url.endsWith("…")).toBe(true);
    expect(Object.keys(machine.labels)).toHaveLength(32);
    expect(Math.max(...Object.values(machine.labels).map((v) => v.length))).toBe(256);
  });

  it("keeps only mac, uuid, arch and os values of a query unless told to keep them all", () => {
    const url = "/ipxe?MAC=52-54-00-00-00-09&uuid=u-1&arch=x86_64&os=installed&token=s3cret&hostname=node9&empty=&flag&to%6Ben=s3cret";
    const labels = Object.fromEntries(labelsFromQuery(rawQueryOf(url)).labels);
    const redacted = new BootTimeline();
    redacted.record(response("/ipxe", url, "192.0.2.9", labels));
    const machine = redacted.get("52:54:00:00:00:09")!;
    expect(machine.timeline[0]!.url).toBe("/ipxe?MAC=52-54-00-00-00-09&uuid=u-1&arch=x86_64&os=installed&token=***&hostname=***&empty=&flag&to%6Ben=***");
    expect(machine.labels).toEqual({ MAC: "52:54:00:00:00:09", uuid: "u-1", arch: "x86_64", os: "installed", token: "***", hostname: "***", empty: "", flag: "" });
    expect(JSON.stringify(machine)).not.toContain("s3cret");

    const kept = new BootTimeline({ keepQueryValues: true });
    kept.record(response("/ipxe", url, "192.0.2.9", labels));
    expect(kept.get("52:54:00:00:00:09")!.timeline[0]!.url).toBe(url);
    expect(kept.get("52:54:00:00:00:09")!.labels.token).toBe("s3cret");
  });

  it("stays within its byte budget, forgetting the least recently seen machines and addresses first", () => {
    const maxBytes = 256 * 1024;
    const timeline = new BootTimeline({ maxBytes, keepQueryValues: true });
    const macs = Array.from({ length: 400 }, (_, i) => `52:54:00:00:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`);
    for (const [i, mac] of macs.entries()) {
      const address = `198.51.100.${i % 200}`;
      timeline.record(asset(address, `held-${i}-${"x".repeat(400)}`));
      timeline.record(response("/ipxe", `/ipxe?mac=${mac}&pad=${"p".repeat(600)}`, address, { mac, pad: "q".repeat(300) }));
      expect(timeline.bytes).toBeLessThanOrEqual(maxBytes);
    }
    expect(timeline.bytes).toBeGreaterThan(maxBytes / 2);
    const kept = timeline.list().map((m) => m.id);
    expect(kept.length).toBeLessThan(macs.length);
    expect(kept).toEqual(macs.slice(-kept.length).reverse());
    expect(timeline.get(macs.at(-1)!)!.timeline.map((e) => e.stage)).toEqual(["asset", "ipxe"]);
  });

  it("holds copies of what it keeps, never views of the request's much longer URL", () => {
    const timeline = new BootTimeline({ keepQueryValues: true, maxBytes: 1024 ** 3 });
    const machines = 1000;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < machines; i++) {
      const mac = `52:54:00:01:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`;
      // Labels cut from the URL, as the app parses them: each is a view of the URL's 8 KiB.
      const url = `/ipxe?mac=${mac}&uuid=${"u".repeat(20)}-${i}&pad=${String(i).padEnd(8000, "p")}`;
      timeline.record(response("/ipxe", url, "192.0.2.7", Object.fromEntries(labelsFromQuery(rawQueryOf(url)).labels)));
    }
    collectGarbage();
    const retainedPerMachine = (process.memoryUsage().heapUsed - before) / machines;
    expect(timeline.machineCount).toBe(machines);
    // About 2 KiB each (a 512-character URL, labels of at most 256 characters); a kept view would hold 8 KiB more.
    expect(retainedPerMachine).toBeLessThan(4096);
  });

  it("records a boot storm in constant time per request", () => {
    const timeline = new BootTimeline({ maxMachines: 1000 });
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) {
      const address = `10.0.${(i >> 8) & 255}.${i & 255}`;
      const mac = `52:54:00:00:${((i % 5000) >> 8).toString(16).padStart(2, "0")}:${(i % 256).toString(16).padStart(2, "0")}`;
      timeline.record(i % 3 === 0 ? ipxe(address, mac) : asset(address, "kernel"));
    }
    expect(timeline.machineCount).toBe(1000);
    // Generous for a loaded 2-core machine (5–20 µs a request measured there); a scan
    // over the remembered machines or addresses per request would take far longer.
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
