import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HTTP_LIMITS } from "../../server/http/limits.js";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { bootableFiles, expectBootScript, GOOD_MAC } from "./support/fixtures.js";
import { HttpSocket, sleep } from "./support/http-socket.js";

const KERNEL = Buffer.alloc(256 * 1024, 0x4b);

/** Sends request headers one byte every 250 ms; resolves how long the server let that go on (bounded by `giveUpMs`). */
async function trickleHeaders(url: string, giveUpMs: number): Promise<{ closed: boolean; afterMs: number }> {
  const loris = await HttpSocket.connect(url);
  const started = Date.now();
  try {
    loris.write("GET /metrics HTTP/1.1\r\nHost: test\r\nX-Slow: ");
    while (!loris.isClosed && Date.now() - started < giveUpMs) {
      loris.write("a");
      await sleep(250);
    }
    return { closed: loris.isClosed, afterMs: Date.now() - started };
  } finally {
    loris.close();
  }
}

describe("request limits", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ files: { ...bootableFiles(), "assets/vmlinuz": KERNEL } });
  });
  afterAll(() => s.close());

  const bootScriptStillServed = async () => {
    const res = await s.get(`/ipxe?mac=${GOOD_MAC}`);
    expect(res.status).toBe(200);
    expectBootScript(res.body);
  };

  it(
    "cuts off a client that sends its headers slower than the header timeout, while answering others",
    async () => {
      const loris = await HttpSocket.connect(s.url);
      const started = Date.now();
      loris.write("GET /ipxe HTTP/1.1\r\nHost: test\r\nX-Slow: ");
      const deadline = started + HTTP_LIMITS.headersTimeoutMs + 3000;
      let othersAnswered = 0;
      let nextOther = Date.now();
      // One header byte every 250 ms: the headers never complete on their own.
      while (!loris.isClosed && Date.now() < deadline) {
        loris.write("a");
        if (Date.now() >= nextOther) {
          await bootScriptStillServed();
          othersAnswered++;
          nextOther = Date.now() + 2000;
        }
        await sleep(250);
      }
      const cutAfter = Date.now() - started;
      expect(loris.isClosed, `slow client still connected after ${cutAfter} ms`).toBe(true);
      expect(cutAfter).toBeGreaterThanOrEqual(HTTP_LIMITS.headersTimeoutMs - 500);
      expect(othersAnswered).toBeGreaterThanOrEqual(Math.floor(HTTP_LIMITS.headersTimeoutMs / 2000) - 1);
      await bootScriptStillServed();
    },
    HTTP_LIMITS.headersTimeoutMs + 15_000,
  );

  it("keeps a connection open between firmware's HEAD and GET (2 s apart) and answers both", async () => {
    const socket = await HttpSocket.connect(s.url);
    try {
      socket.write("HEAD /assets/vmlinuz HTTP/1.1\r\nHost: test\r\n\r\n");
      const head = await socket.readResponse({ bodyless: true });
      expect(head.status).toBe(200);
      expect(head.headers["content-length"]).toBe(String(KERNEL.length));
      await sleep(2000);
      expect(socket.isClosed).toBe(false);
      socket.write("GET /assets/vmlinuz HTTP/1.1\r\nHost: test\r\n\r\n");
      const get = await socket.readResponse();
      expect(get.status).toBe(200);
      expect(get.body.equals(KERNEL)).toBe(true);
    } finally {
      socket.close();
    }
  });

  it("answers a URL longer than the limit with a 4xx", async () => {
    for (const length of [HTTP_LIMITS.maxUrlBytes + 1, 4 * HTTP_LIMITS.maxUrlBytes]) {
      const target = "/ipxe?mac=" + GOOD_MAC + "&pad=" + "x".repeat(length);
      const res = await rawRequest(s.url, `GET ${target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
      expect(res.status, `URL of ${target.length} bytes`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    await bootScriptStillServed();
  });

  it("answers a URL just under the limit normally", async () => {
    const prefix = `/ipxe?mac=${GOOD_MAC}&pad=`;
    const target = prefix + "x".repeat(HTTP_LIMITS.maxUrlBytes - prefix.length);
    const res = await rawRequest(s.url, `GET ${target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBe(200);
  });

  it("answers more query parameters than the limit with a 4xx", async () => {
    const params = Array.from({ length: HTTP_LIMITS.maxQueryParameters + 1 }, (_, i) => `k${i}=v`);
    const res = await rawRequest(s.url, `GET /ipxe?mac=${GOOD_MAC}&${params.join("&")} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const atLimit = params.slice(0, HTTP_LIMITS.maxQueryParameters - 1).join("&");
    const ok = await rawRequest(s.url, `GET /ipxe?mac=${GOOD_MAC}&${atLimit} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
    expect(ok.status).toBe(200);
    await bootScriptStillServed();
  });

  it("answers oversized or too many headers with a 4xx", async () => {
    const big = `GET /ipxe?mac=${GOOD_MAC} HTTP/1.1\r\nHost: test\r\nX-Big: ${"y".repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`;
    const bigRes = await rawRequest(s.url, big);
    expect(bigRes.status).toBeGreaterThanOrEqual(400);
    expect(bigRes.status).toBeLessThan(500);
    const many = Array.from({ length: 4000 }, (_, i) => `X-H${i}: v\r\n`).join("");
    const manyRes = await rawRequest(s.url, `GET /ipxe?mac=${GOOD_MAC} HTTP/1.1\r\nHost: test\r\n${many}Connection: close\r\n\r\n`);
    expect(manyRes.status).toBeGreaterThanOrEqual(400);
    expect(manyRes.status).toBeLessThan(500);
    await bootScriptStillServed();
  });

  it("refuses a request body larger than the limit without reading it all", async () => {
    const length = HTTP_LIMITS.maxBodyBytes * 16;
    const res = await rawRequest(
      s.url,
      `POST /ipxe?mac=${GOOD_MAC} HTTP/1.1\r\nHost: test\r\nContent-Type: application/octet-stream\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n` + "z".repeat(length),
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await bootScriptStillServed();
  });
});

describe("request limits of the views' own listener (-debug-address)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ files: bootableFiles(), debugViews: { host: "127.0.0.1", port: 0 } });
  });
  afterAll(() => s.close());

  it(
    "cuts off a client that sends its headers slower than the header timeout, as the main listener does",
    async () => {
      const { closed, afterMs } = await trickleHeaders(s.server.debugUrl!, HTTP_LIMITS.headersTimeoutMs + 3000);
      expect(closed, `slow client still connected after ${afterMs} ms`).toBe(true);
      expect(afterMs).toBeGreaterThanOrEqual(HTTP_LIMITS.headersTimeoutMs - 500);
      expect((await fetch(`${s.server.debugUrl}/metrics`)).status).toBe(200);
    },
    HTTP_LIMITS.headersTimeoutMs + 15_000,
  );

  it("answers oversized headers and URLs there with a 4xx", async () => {
    const big = await rawRequest(s.server.debugUrl!, `GET /metrics HTTP/1.1\r\nHost: test\r\nX-Big: ${"y".repeat(HTTP_LIMITS.maxHeaderBytes)}\r\nConnection: close\r\n\r\n`);
    expect(big.status).toBe(431);
  });
});
