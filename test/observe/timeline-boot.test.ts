import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MachineTimeline } from "../../server/observe/timeline.js";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { abortedDownload, eventually } from "./boot-replay.js";

const MAC = "52:54:00:aa:bb:cc";
const KERNEL = Buffer.alloc(256 * 1024, 1);
// Large enough that loopback socket buffers cannot take it all before the client hangs up.
const INITRD = Buffer.alloc(48 * 1024 * 1024, 2);
const IGNITION = json({ ignition: { version: "3.4.0" } });

describe("boot timeline of a replayed network boot", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      files: {
        "groups/node1.json": json({ id: "node1", profile: "worker", selector: { mac: MAC }, metadata: { hostname: "node1.lab" } }),
        "profiles/worker.json": json({
          id: "worker",
          ignition_id: "worker.ign",
          boot: { kernel: "/assets/fcos/kernel", initrd: ["--name main /assets/fcos/initrd.img"], args: ["initrd=main", "ignition.config.url=http://netboot/ignition?mac=${mac:hexhyp}"] },
        }),
        "ignition/worker.ign": IGNITION,
        "assets/fcos/kernel": KERNEL,
        "assets/fcos/initrd.img": INITRD,
      },
    });
  });
  afterAll(async () => s.close());

  it("records each fetch of the chain with status, bytes, duration and completion, attributing MAC-less requests by address", async () => {
    expect((await s.get("/boot.ipxe")).status).toBe(200);
    expect((await s.get(`/ipxe?uuid=0b1c&mac=52-54-00-AA-BB-CC&domain=&hostname=&serial=&arch=x86_64`)).status).toBe(200);
    expect((await s.get("/assets/fcos/kernel")).bytes.length).toBe(KERNEL.length);
    const ranged = await s.get("/assets/fcos/initrd.img", { headers: { range: "bytes=0-1023" } });
    expect(ranged.status).toBe(206);
    const receivedBeforeAbort = await abortedDownload(s.url, "/assets/fcos/initrd.img", 64 * 1024);
    expect((await s.get("/assets/fcos/initrd.img")).bytes.length).toBe(INITRD.length);
    expect((await s.get(`/ignition?mac=52-54-00-aa-bb-cc`)).status).toBe(200);
    expect((await s.get(`/metadata?mac=${MAC}`)).status).toBe(200);

    const machine = await eventually(async () => {
      const res = await s.get(`/machines/${MAC}`);
      if (res.status !== 200) return undefined;
      const m = JSON.parse(res.body) as MachineTimeline;
      return m.timeline.length === 8 ? m : undefined;
    });
    expect(machine).toMatchObject({ id: MAC, mac: MAC, uuid: "0b1c", group: "node1", profile: "worker", lastStage: "metadata", lastStatus: 200 });
    const steps = machine.timeline.map((e) => [e.stage, e.status, e.attributedBy, e.completed]);
    const aborted = machine.timeline.find((e) => !e.completed)!;
    expect(aborted).toMatchObject({ stage: "asset", url: "/assets/fcos/initrd.img", status: 200, attributedBy: "address" });
    expect(aborted.bytes).toBeGreaterThanOrEqual(receivedBeforeAbort - 1024);
    expect(aborted.bytes).toBeLessThan(INITRD.length);
    // The aborted download's record may land before or after the next request's: compare without it.
    expect(steps.filter((step) => step[3] === true)).toEqual([
      ["boot-script", 200, "address", true],
      ["ipxe", 200, "labels", true],
      ["asset", 200, "address", true],
      ["asset", 206, "address", true],
      ["asset", 200, "address", true],
      ["ignition", 200, "labels", true],
      ["metadata", 200, "labels", true],
    ]);
    const complete = machine.timeline.filter((e) => e.stage === "asset" && e.completed);
    expect(complete.map((e) => e.bytes)).toEqual([KERNEL.length, 1024, INITRD.length]);
    for (const e of machine.timeline) expect(e.durationMs).toBeGreaterThanOrEqual(0);

    // The same timeline through the query form, and the list.
    const byQuery = JSON.parse((await s.get(`/machines?mac=52-54-00-aa-bb-cc`)).body) as MachineTimeline;
    expect(byQuery.timeline).toHaveLength(8);
    const list = JSON.parse((await s.get("/machines")).body) as { machines: { id: string; lastStage: string; events: number }[] };
    expect(list.machines).toEqual([expect.objectContaining({ id: MAC, lastStage: "metadata", events: 8 })]);
    expect((await s.get("/machines/52:54:00:00:00:99")).status).toBe(404);
  });
});

describe("boot storm", () => {
  it("answers 100 machines booting at once while recording each of them", async () => {
    const s = await startTestServer({
      files: {
        "groups/all.json": json({ id: "all", profile: "p" }),
        "profiles/p.json": json({ id: "p", boot: { kernel: "/assets/k" } }),
      },
    });
    try {
      const macs = Array.from({ length: 100 }, (_, i) => `52:54:00:10:${(i >> 8).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`);
      const started = Date.now();
      const answers = await Promise.all(macs.flatMap((mac) => [s.get("/boot.ipxe"), s.get(`/ipxe?mac=${mac}`)]));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      // Generous for a busy 2-core machine; the point is that nothing waits on the record.
      expect(Date.now() - started).toBeLessThan(15_000);
      const list = await eventually(async () => {
        const machines = (JSON.parse((await s.get("/machines")).body) as { machines: { id: string; lastStage: string }[] }).machines;
        return machines.length === 100 ? machines : undefined;
      });
      expect(new Set(list.map((m) => m.id))).toEqual(new Set(macs));
      expect(list.every((m) => m.lastStage === "ipxe")).toBe(true);
    } finally {
      await s.close();
    }
  }, 60_000);
});
