import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NetbootMetrics } from "../../server/observe/metrics.js";
import { parseWgDump } from "../../server/wireguard/dump.js";
import { json, writeFiles } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { abortedDownload, eventually } from "./boot-replay.js";
import { parseExposition, sampleValue } from "./exposition.js";

const MAC = "52:54:00:12:34:56";

describe("/metrics", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      files: {
        "groups/node.json": json({ id: "node", profile: "p", selector: { mac: MAC } }),
        "groups/bare.json": json({ id: "bare", profile: "p-without-boot", selector: { rack: "r1" } }),
        "profiles/p.json": json({ id: "p", generic_id: "g.tmpl", boot: { kernel: "/assets/k" } }),
        "profiles/p-without-boot.json": json({ id: "p-without-boot" }),
        "generic/g.tmpl": "HOST={{.hostname}}\n",
        "assets/k": Buffer.alloc(32 * 1024 * 1024, 7),
      },
    });
  });
  afterAll(async () => s.close());

  const scrape = async () => {
    const res = await s.get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(res.body);
  };

  it("counts requests, latency, bytes, misses by reason, boots by stage and the loaded data", async () => {
    await s.get(`/ipxe?mac=${MAC}`);
    await s.get(`/ipxe?mac=${MAC}`);
    await s.get("/ipxe?mac=52:54:00:99:99:99");
    await s.get("/ipxe?rack=r1");
    await s.get(`/generic?mac=${MAC}`);
    await s.get("/assets/k", { headers: { range: "bytes=0-99" } });
    await abortedDownload(s.url, "/assets/k", 64 * 1024);
    await s.get("/no/such/path");

    const m = await eventually(async () => {
      const e = await scrape();
      return sampleValue(e, "netboot_boot_requests_total", { stage: "asset", result: "aborted" }) === 1 ? e : undefined;
    });
    expect(sampleValue(m, "netboot_http_requests_total", { route: "/ipxe", method: "GET", status: "200" })).toBe(2);
    expect(sampleValue(m, "netboot_http_requests_total", { route: "/ipxe", method: "GET", status: "404" })).toBe(2);
    expect(sampleValue(m, "netboot_http_requests_total", { route: "/generic", method: "GET", status: "500" })).toBe(1);
    expect(sampleValue(m, "netboot_http_requests_total", { route: "/assets/", method: "GET", status: "206" })).toBe(1);
    expect(sampleValue(m, "netboot_http_requests_total", { route: "other", method: "GET", status: "404" })).toBe(1);
    expect(sampleValue(m, "netboot_match_misses_total", { route: "/ipxe", reason: "no group" })).toBe(1);
    expect(sampleValue(m, "netboot_match_misses_total", { route: "/ipxe", reason: "no boot" })).toBe(1);
    expect(sampleValue(m, "netboot_match_misses_total", { route: "/generic", reason: "NB_TEMPLATE" })).toBe(1);
    expect(sampleValue(m, "netboot_boot_requests_total", { stage: "ipxe", result: "ok" })).toBe(2);
    expect(sampleValue(m, "netboot_boot_requests_total", { stage: "ipxe", result: "error" })).toBe(2);
    expect(sampleValue(m, "netboot_boot_requests_total", { stage: "asset", result: "ok" })).toBe(1);
    expect(sampleValue(m, "netboot_http_request_duration_seconds_count", { route: "/ipxe" })).toBe(4);
    expect(sampleValue(m, "netboot_http_request_duration_seconds_bucket", { route: "/ipxe", le: "+Inf" })).toBe(4);
    const ipxeBody = "#!ipxe\nkernel /assets/k\nboot\n".length;
    expect(sampleValue(m, "netboot_http_response_bytes_total", { route: "/ipxe" })).toBe(2 * ipxeBody + 2 * "404 page not found\n".length);
    expect(sampleValue(m, "netboot_http_response_bytes_total", { route: "/assets/" })).toBeGreaterThan(100);
    expect(sampleValue(m, "netboot_groups_loaded")).toBe(2);
    expect(sampleValue(m, "netboot_profiles_loaded")).toBe(2);
    expect(sampleValue(m, "netboot_templates_loaded")).toBe(1);
    expect(sampleValue(m, "netboot_config_problems")).toBe(0);
    expect(sampleValue(m, "netboot_config_reloads_total", { result: "ok" })).toBe(1);
    expect(sampleValue(m, "netboot_machines_tracked")).toBe(2);
    expect(sampleValue(m, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(m.types.get("netboot_http_requests_total")).toBe("counter");
    expect(m.types.get("netboot_http_request_duration_seconds")).toBe("histogram");
    expect(m.types.get("netboot_groups_loaded")).toBe("gauge");
    for (const name of m.types.keys()) expect(name).toMatch(/^(netboot|process|nodejs)_[a-z0-9_]+$/);
    for (const [name, type] of m.types) if (type === "counter") expect(name).toMatch(/_total$/);
    // The unknown path did not become a label value.
    expect(m.samples.some((sample) => Object.values(sample.labels).includes("/no/such/path"))).toBe(false);
  });

  it("counts reloads and the problems they find", async () => {
    writeFiles(s.dataDir, { "groups/broken.json": "{" });
    await s.server.store.reload("test");
    const m = await scrape();
    expect(sampleValue(m, "netboot_config_reloads_total", { result: "problems" })).toBe(1);
    expect(sampleValue(m, "netboot_config_reload_errors_total")).toBe(1);
    expect(sampleValue(m, "netboot_config_problems")).toBe(1);
    expect(sampleValue(m, "netboot_config_reload_duration_seconds_count")).toBeGreaterThanOrEqual(2);
  });
});

describe("WireGuard peer metrics", () => {
  // A `wg show <if> dump` as the sidecar's interface prints it (keys are examples, not secrets of anything).
  const DUMP = [
    "wg0\tcHJpdmF0ZS1rZXktbmV2ZXItc2hvd24tYW55d2hlcmUxMjM=\tc2VydmVyLXB1YmxpYy1rZXktMDAwMDAwMDAwMDAwMDA=\t51820\toff",
    "wg0\tcm91dGVyLWEtcHVibGljLWtleS0wMDAwMDAwMDAwMDA=\t(none)\t198.51.100.7:40001\t10.99.0.2/32,192.168.50.0/24\t1700000000\t1000\t2000\t25",
    "wg0\tcm91dGVyLWItcHVibGljLWtleS0wMDAwMDAwMDAwMDA=\t(none)\t(none)\t10.99.0.3/32\t0\t0\t0\toff",
  ].join("\n");

  it("reports handshake age and bytes per peer, and never fails a scrape when wg cannot be read", async () => {
    let readable = true;
    const metrics = new NetbootMetrics({
      snapshot: () => undefined,
      nowSeconds: () => 1700000090,
      // The one stand-in: `wg show all dump` text instead of a kernel interface (see wgDumpPeers for the real reader).
      wireguard: { interface: "wg0", peers: async () => (readable ? parseWgDump(DUMP) : Promise.reject(new Error("wg: not found"))) },
    });
    const m = parseExposition(await metrics.render());
    const a = "cm91dGVyLWEtcHVibGljLWtleS0wMDAwMDAwMDAwMDA=";
    const b = "cm91dGVyLWItcHVibGljLWtleS0wMDAwMDAwMDAwMDA=";
    expect(sampleValue(m, "netboot_wireguard_up", { interface: "wg0" })).toBe(1);
    expect(sampleValue(m, "netboot_wireguard_peer_last_handshake_age_seconds", { peer: a })).toBe(90);
    expect(sampleValue(m, "netboot_wireguard_peer_last_handshake_age_seconds", { peer: b })).toBeUndefined();
    expect(sampleValue(m, "netboot_wireguard_peer_receive_bytes", { interface: "wg0", peer: a })).toBe(1000);
    expect(sampleValue(m, "netboot_wireguard_peer_transmit_bytes", { interface: "wg0", peer: a })).toBe(2000);
    expect(sampleValue(m, "netboot_wireguard_peer_receive_bytes", { peer: b })).toBe(0);
    expect(await metrics.render()).not.toContain("cHJpdmF0ZS1rZXk");

    readable = false;
    const failed = parseExposition(await metrics.render());
    expect(sampleValue(failed, "netboot_wireguard_up", { interface: "wg0" })).toBe(0);
    expect(sampleValue(failed, "netboot_wireguard_peer_receive_bytes", { peer: a })).toBeUndefined();
  });
});
