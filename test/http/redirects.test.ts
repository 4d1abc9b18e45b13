import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** The header lines of a raw response, lower-cased names. */
function headers(head: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    map.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return map;
}

const request = (s: TestServer, method: string, target: string) =>
  rawRequest(s.url, `${method} ${target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);

describe("301 redirects of non-canonical paths, as Go's ServeMux answers them", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ files: { "assets/hello.txt": "hello" } });
  });
  afterAll(() => s.close());

  it("GET: Go's HTML body with the HTML-escaped URL, and text/html", async () => {
    const cases: [string, string, string][] = [
      ["//ipxe", "/ipxe", '<a href="/ipxe">Moved Permanently</a>.\n\n'],
      ["/./metadata?e=1&b=2", "/metadata?e=1&b=2", '<a href="/metadata?e=1&amp;b=2">Moved Permanently</a>.\n\n'],
      ["/x/../grub?q='<a>\"", "/grub?q='<a>\"", '<a href="/grub?q=&#39;&lt;a&gt;&#34;">Moved Permanently</a>.\n\n'],
      ["/assets?serial=", "/assets/?serial=", '<a href="/assets/?serial=">Moved Permanently</a>.\n\n'],
    ];
    for (const [target, location, body] of cases) {
      const res = await request(s, "GET", target);
      expect(res.status, target).toBe(301);
      const h = headers(res.head);
      expect(h.get("location"), target).toBe(location);
      expect(h.get("content-type"), target).toBe("text/html; charset=utf-8");
      expect(res.body, target).toBe(body);
      expect(h.get("content-length"), target).toBe(String(body.length));
    }
  });

  it("escapes the cleaned path as Go's url package does", async () => {
    const res = await request(s, "GET", "/x/../a%20(b)*!%3F%C3%BC$&+,:;=@~?z=%FC");
    expect(res.status).toBe(301);
    const location = "/a%20%28b%29%2A%21%3F%C3%BC$&+,:;=@~?z=%FC";
    expect(headers(res.head).get("location")).toBe(location);
    expect(res.body).toBe(`<a href="${location.replace(/&/g, "&amp;")}">Moved Permanently</a>.\n\n`);
  });

  it("HEAD: the content type, no body; other methods: neither", async () => {
    const head = await request(s, "HEAD", "//ipxe?a=1");
    expect(head.status).toBe(301);
    expect(headers(head.head).get("location")).toBe("/ipxe?a=1");
    expect(headers(head.head).get("content-type")).toBe("text/html; charset=utf-8");
    expect(head.body).toBe("");
    for (const method of ["POST", "PUT", "DELETE"]) {
      const res = await request(s, method, "//ipxe?a=1");
      expect(res.status, method).toBe(301);
      expect(headers(res.head).get("location"), method).toBe("/ipxe?a=1");
      expect(headers(res.head).has("content-type"), method).toBe(false);
      expect(res.body, method).toBe("");
    }
  });
});
