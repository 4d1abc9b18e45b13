import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { TalliedCounter } from "../../server/observe/tally.js";

describe("a counter tallied between scrapes", () => {
  it("shows every increment at each scrape, once, under its labels", async () => {
    const registry = new Registry();
    const counter = new TalliedCounter({ name: "t_total", help: "t", labelNames: ["route", "status"] as const, registers: [registry] });
    const scrape = async () => (await registry.getMetricsAsJSON())[0]!.values.map(({ labels, value }) => ({ labels, value }));

    expect(await scrape()).toEqual([]);
    counter.add(1, "/ipxe", "200");
    counter.add(1, "/ipxe", "200");
    counter.add(5, "/metadata", "404");
    expect(await scrape()).toEqual([
      { labels: { route: "/ipxe", status: "200" }, value: 2 },
      { labels: { route: "/metadata", status: "404" }, value: 5 },
    ]);
    // A second scrape adds nothing that was already added.
    expect(await scrape()).toEqual([
      { labels: { route: "/ipxe", status: "200" }, value: 2 },
      { labels: { route: "/metadata", status: "404" }, value: 5 },
    ]);
    counter.add(3, "/ipxe", "200");
    // Label values that would run together when joined stay apart.
    counter.add(1, "a\0b", "c");
    counter.add(1, "a", "b\0c");
    expect(await registry.getSingleMetricAsString("t_total")).toBe(
      [
        "# HELP t_total t",
        "# TYPE t_total counter",
        't_total{route="/ipxe",status="200"} 5',
        't_total{route="/metadata",status="404"} 5',
        't_total{route="a\0b",status="c"} 1',
        't_total{route="a",status="b\0c"} 1',
      ].join("\n"),
    );
  });
});
