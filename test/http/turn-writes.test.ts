import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { turnEndBatch } from "../../server/util/turn-end.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";

// Answers are written at the end of the event loop's turn they were made in:
// each must still be written once, whole, in order, and logged once.

const macOf = (i: number) => `52:54:00:00:00:${i.toString(16).padStart(2, "0")}`;

function files(machines: number): Record<string, string> {
  const out: Record<string, string> = {
    "profiles/bare.json": JSON.stringify({ id: "bare" }),
    "groups/bare.json": JSON.stringify({ id: "bare", profile: "bare", selector: { os: "bare" } }),
  };
  for (let i = 0; i < machines; i++) {
    out[`profiles/p${i}.json`] = JSON.stringify({ id: `p${i}`, boot: { kernel: "/assets/k", args: [`n=${i}`] } });
    out[`groups/m${i}.json`] = JSON.stringify({ id: `m${i}`, profile: `p${i}`, selector: { mac: macOf(i) } });
  }
  return out;
}

const requestLines = (s: TestServer) => s.logs.filter((line) => line.msg === "request" || String(line.msg).startsWith("request ("));

describe("answers written at the end of the turn", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ files: files(40), assetsPath: null });
  });
  afterAll(() => s.close());

  it("many answers made together each reach their own client once, and each is logged once", async () => {
    const before = requestLines(s).length;
    const targets = Array.from({ length: 40 }, (_, i) => `/ipxe?mac=${macOf(i)}`);
    targets.push("/ipxe?mac=52:54:00:ff:ff:ff", "/ipxe?os=bare", "/no/such/path");
    const answers = await Promise.all(targets.map((target) => s.get(target)));
    for (let i = 0; i < 40; i++) {
      expect(answers[i]!.status).toBe(200);
      expect(answers[i]!.body).toBe(`#!ipxe\nkernel /assets/k n=${i}\nboot\n`);
      expect(answers[i]!.headers["content-length"]).toBe(String(answers[i]!.bytes.length));
    }
    for (const miss of answers.slice(40)) {
      expect(miss.status).toBe(404);
      expect(miss.body).toBe("404 page not found\n");
      expect(miss.headers["content-length"]).toBe("19");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = requestLines(s).slice(before);
    expect(lines.length).toBe(targets.length);
    expect(new Set(lines.map((line) => line.url)).size).toBe(targets.length);
    expect(s.logs.filter((line) => line.level === 40 && JSON.stringify(line).includes("already sent"))).toEqual([]);
  });

  it("pipelined requests on one connection are answered in order, a miss among them included", async () => {
    const get = (target: string, last = false) => `GET ${target} HTTP/1.1\r\nHost: t\r\n${last ? "Connection: close\r\n" : ""}\r\n`;
    const res = await rawRequest(s.url, get(`/ipxe?mac=${macOf(1)}`) + get("/ipxe?os=bare") + get("/nothing") + get(`/ipxe?mac=${macOf(2)}`, true));
    const text = `${res.head}\r\n\r\n${res.body}`;
    const statuses = [...text.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
    expect(statuses).toEqual(["200", "404", "404", "200"]);
    expect(text.indexOf("n=1\n")).toBeGreaterThan(0);
    expect(text.indexOf("n=1\n")).toBeLessThan(text.indexOf("n=2\n"));
    expect(text.match(/404 page not found\n/g)?.length).toBe(2);
  });
});

describe("turnEndBatch", () => {
  it("hands everything added in one turn over once, at its end, and what is added meanwhile in the next", async () => {
    const handed: number[][] = [];
    const batch = turnEndBatch<number>((items) => {
      handed.push(items);
      if (items[0] === 1) batch.add(99);
    });
    batch.add(1);
    batch.add(2);
    batch.add(3);
    expect(handed).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toEqual([[1, 2, 3]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toEqual([[1, 2, 3], [99]]);
  });

  it("flush hands over what is pending at once, and nothing twice", async () => {
    const handed: string[][] = [];
    const batch = turnEndBatch<string>((items) => handed.push(items));
    batch.add("a");
    batch.flush();
    batch.flush();
    expect(handed).toEqual([["a"]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toEqual([["a"]]);
  });
});
