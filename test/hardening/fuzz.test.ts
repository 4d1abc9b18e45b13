import vm from "node:vm";
import v8 from "node:v8";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../support/data-dir.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { bootableFiles, expectBootScript, GOOD_MAC } from "./support/fixtures.js";

v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

const SEED = 20261126;
const ROUTES = ["/", "/boot.ipxe", "/boot.ipxe.0", "/ipxe", "/grub", "/metadata", "/generic", "/ignition", "/cloud", "/assets/", "/assets/vmlinuz", "/explain", "/machines", "/metrics", "/healthz"];
const FRAGMENTS = ["..", ".", "%2e%2e", "%252e", "%00", "%c0%ae", "%ff", "%", "%zz", "\\", "//", ";", "?", "#", "~", "assets", "ipxe", "\u00e9", "\u{1f600}", "a".repeat(300)];
const LABELS = ["mac", "uuid", "hostname", "serial", "os", "arch", "domain", "name", "request", "__proto__", "constructor"];
const TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

const token = fc.string({ unit: fc.constantFrom(...TCHAR), minLength: 1, maxLength: 20 });
const visible = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 200 });
/** Any UTF-8 text, then escaped only where a request line could not carry it. */
const segment = fc.oneof(
  fc.constantFrom(...FRAGMENTS),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 10 }),
).map((s) => s.replace(/[\x00-\x20\x7f\s]/gu, (c) => encodeURIComponent(c)).replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c)));

const requestArb = fc.record({
  method: fc.constantFrom("GET", "GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"),
  base: fc.constantFrom(...ROUTES),
  extra: fc.array(segment, { maxLength: 4 }),
  query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...LABELS), segment), fc.oneof(fc.constantFrom(GOOD_MAC, "52-54-00-AA-BB-01", ""), segment)), { maxLength: 8 }),
  headers: fc.array(fc.tuple(token, visible), { maxLength: 6 }),
});

type FuzzRequest = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

function requestText(r: FuzzRequest): string {
  const path = r.extra.length ? r.base.replace(/\/$/, "") + "/" + r.extra.join("/") : r.base;
  const query = r.query.map(([k, v]) => `${k}=${v}`).join("&");
  const headers = r.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `${r.method} ${path}${query ? "?" + query : ""} HTTP/1.1\r\nHost: test\r\n${headers}Connection: close\r\n\r\n`;
}

describe("fuzzed requests against a live server", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      files: {
        ...bootableFiles(),
        "assets/vmlinuz": Buffer.alloc(4096, 1),
        // A template that fails unless the request names itself: a reported configuration error.
        "profiles/worker.json": json({ id: "worker", boot: { kernel: "/assets/vmlinuz", initrd: [], args: [] }, generic_id: "worker.tmpl" }),
        "generic/worker.tmpl": "name={{.request.query.name}} mac={{.mac}}\n",
        "groups/default.json": json({ id: "default", profile: "worker" }),
      },
    });
  });
  afterAll(() => s.close());

  const problems: string[] = [];
  /** A 5xx is acceptable only as a reported configuration error: its body (the GET's, for a HEAD) names the file. */
  const namesBrokenFile = async (r: FuzzRequest, body: string) => {
    if (r.method !== "HEAD") return body.includes("worker.tmpl");
    const get = await rawRequest(s.url, requestText({ ...r, method: "GET" }), 5000);
    return get.status >= 500 && get.body.includes("worker.tmpl");
  };
  const send = async (r: FuzzRequest) => {
    const text = requestText(r);
    const res = await rawRequest(s.url, text, 5000).catch((err: Error) => ({ status: 0, head: "", body: String(err.message) }));
    if (res.status === 0 || (res.status >= 500 && !(await namesBrokenFile(r, res.body)))) {
      problems.push(`${res.status} for ${JSON.stringify(text)}: ${res.body.slice(0, 200)}`);
    }
  };

  const run = (seed: number, numRuns: number) =>
    fc.assert(fc.asyncProperty(requestArb, send), { seed, numRuns, interruptAfterTimeLimit: 20_000 });

  it("never answers 5xx (except configuration errors naming the file), never drops a request, and keeps memory flat", async () => {
    await run(SEED, 150);
    collectGarbage();
    const before = process.memoryUsage();
    await run(SEED + 1, 450);
    collectGarbage();
    const after = process.memoryUsage();
    expect(problems).toEqual([]);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(16 * 1024 * 1024);
    expect(after.rss - before.rss).toBeLessThan(64 * 1024 * 1024);
    const res = await s.get(`/ipxe?mac=${GOOD_MAC}`);
    expect(res.status).toBe(200);
    expectBootScript(res.body);
  }, 60_000);
});
