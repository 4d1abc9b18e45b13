import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../support/data-dir.js";
import { rawGet } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";

const IPXE = (kernel: string) => `#!ipxe\nkernel ${kernel}\nboot\n`;
const profile = (id: string) => json({ id, boot: { kernel: `/${id}` } });
const metadataLines = (body: string) => body.split("\n").filter(Boolean);

async function waitFor<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  return probe();
}

describe("requests Matchbox answers in a particular way (A1–A30)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      files: {
        "groups/default.json": json({ id: "default", profile: "default" }),
        "groups/by-mac.json": json({ id: "by-mac", profile: "mac", selector: { mac: "52:54:00:a1:9c:ae" }, metadata: { who: "mac" } }),
        "groups/eui64.json": json({ id: "eui64", profile: "mac", selector: { mac: "02-00-5E-10-00-00-00-01" } }),
        "groups/a.json": json({ id: "a", profile: "a", selector: { a: "1" } }),
        "groups/b.json": json({ id: "b", profile: "b", selector: { b: "1" } }),
        "groups/ac.json": json({ id: "ac", profile: "ac", selector: { a: "1", c: "1" } }),
        "groups/upper-mac.json": json({ id: "upper", profile: "upper", selector: { MAC: "AA-BB-CC-DD-EE-FF" } }),
        "groups/empty-value.json": json({ id: "ev", profile: "ev", selector: { e: "", z: "9" } }),
        "profiles/default.json": profile("default"),
        "profiles/mac.json": profile("mac"),
        "profiles/a.json": profile("a"),
        "profiles/b.json": profile("b"),
        "profiles/ac.json": profile("ac"),
        "profiles/upper.json": profile("upper"),
        "profiles/ev.json": profile("ev"),
        "assets/hello.txt": "hello",
      },
    });
  });
  afterAll(() => s.close());

  it("A1: an unknown path is 404 page not found", async () => {
    const res = await s.get("/foo");
    expect(res.status).toBe(404);
    expect(res.body).toBe("404 page not found\n");
  });

  it("A2: non-canonical paths redirect 301 to the cleaned path", async () => {
    for (const target of ["//ipxe", "/./ipxe", "/assets/../ipxe"]) {
      const res = await rawGet(s.url, target);
      expect(res.status, target).toBe(301);
      expect(res.head).toMatch(/\r\nlocation: \/ipxe\r\n/i);
    }
    const withQuery = await rawGet(s.url, "//ipxe?mac=52-54-00-a1-9c-ae");
    expect(withQuery.head).toMatch(/\r\nlocation: \/ipxe\?mac=52-54-00-a1-9c-ae\r\n/i);
  });

  it("A3: /assets redirects to /assets/", async () => {
    const res = await rawGet(s.url, "/assets");
    expect(res.status).toBe(301);
    expect(res.head).toMatch(/\r\nlocation: \/assets\/\r\n/i);
  });

  it("A4: POST and other methods behave like GET; HEAD has GET's Content-Length", async () => {
    const get = await s.get("/ipxe");
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const res = await s.get("/ipxe", { method });
      expect(res.status, method).toBe(200);
      expect(res.body).toBe(get.body);
    }
    const head = await s.get("/ipxe", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
    expect(head.headers["content-length"]).toBe(String(Buffer.byteLength(get.body)));
  });

  it("A5: an unparseable MAC is dropped and the default group answers", async () => {
    expect((await s.get("/ipxe?mac=zz:zz")).body).toBe(IPXE("/default"));
  });

  it("A6: a dotted MAC is normalised and selects the MAC group", async () => {
    const res = await s.get("/metadata?mac=5254.00a1.9cae");
    expect(metadataLines(res.body)).toContain("REQUEST_QUERY_MAC=52:54:00:a1:9c:ae");
    expect(metadataLines(res.body)).toContain("WHO=mac");
  });

  it("A7: a bare hex MAC is not a MAC", async () => {
    const res = await s.get("/metadata?mac=525400a19cae");
    expect(res.body).not.toContain("REQUEST_QUERY_MAC");
  });

  it("A8: an 8-octet MAC is accepted (and selectors are normalised too)", async () => {
    const res = await s.get("/metadata?mac=02:00:5e:10:00:00:00:01");
    expect(metadataLines(res.body)).toContain("REQUEST_QUERY_MAC=02:00:5e:10:00:00:00:01");
    expect(metadataLines(res.body)).toContain("MAC=02:00:5e:10:00:00:00:01");
  });

  it("A9: query values are decoded ('+' is a space)", async () => {
    const res = await s.get("/metadata?a=b+c&d=%41%2F");
    expect(metadataLines(res.body)).toEqual(expect.arrayContaining(["REQUEST_QUERY_A=b c", "REQUEST_QUERY_D=A/"]));
  });

  it("A10: a pair with a semicolon is dropped, the raw query is kept", async () => {
    const res = await s.get("/metadata?m=1;foo=1&x=2");
    const l = metadataLines(res.body);
    expect(l).toContain("REQUEST_QUERY_X=2");
    expect(l.filter((x) => x.startsWith("REQUEST_QUERY_"))).toHaveLength(1);
    expect(l).toContain("REQUEST_RAW_QUERY=m=1;foo=1&x=2");
  });

  it("A11: more selectors win; equal counts go to the greater selector string", async () => {
    expect((await s.get("/ipxe?a=1&b=1")).body).toBe(IPXE("/b"));
    expect((await s.get("/ipxe?a=1&b=1&c=1")).body).toBe(IPXE("/ac"));
  });

  it("A12: a missing label compares as the empty string", async () => {
    expect((await s.get("/ipxe?a=1&z=9")).body).toBe(IPXE("/ev"));
    expect((await s.get("/ipxe?a=1&z=9&e=x")).body).toBe(IPXE("/a"));
  });

  it("A13: a MAC label keeps its key's case", async () => {
    expect((await s.get("/ipxe?MAC=aa:bb:cc:dd:ee:ff")).body).toBe(IPXE("/upper"));
    expect((await s.get("/ipxe?mac=aa:bb:cc:dd:ee:ff")).body).toBe(IPXE("/default"));
  });

  it("A28: /generic honours Range", async () => {
    // covered with a generic template in the template suite; assets honour Range here
    const res = await s.get("/assets/hello.txt", { headers: { range: "bytes=0-1" } });
    expect(res.status).toBe(206);
    expect(res.body).toBe("he");
    expect(res.headers["content-range"]).toBe("bytes 0-1/5");
  });

  it("A30: a change on disk is served on the next requests, within a second", async () => {
    writeFileSync(path.join(s.dataDir, "profiles/default.json"), json({ id: "default", boot: { kernel: "/changed" } }));
    const res = await waitFor(() => s.get("/ipxe"), (r) => r.body === IPXE("/changed"), 1000);
    expect(res.body).toBe(IPXE("/changed"));
  });
});

describe("group and profile files Matchbox reads in a particular way", () => {
  it("A14: of two identical default groups, the first by file name wins", async () => {
    const s = await startTestServer({
      files: {
        "groups/def-b.json": json({ id: "def-b", profile: "b" }),
        "groups/def-a.json": json({ id: "def-a", profile: "a" }),
        "profiles/a.json": profile("a"),
        "profiles/b.json": profile("b"),
      },
    });
    try {
      expect((await s.get("/ipxe")).body).toBe(IPXE("/a"));
    } finally {
      await s.close();
    }
  });

  it("A15: a group file holding null is a catch-all without a profile", async () => {
    const s = await startTestServer({ files: { "groups/null.json": "null" } });
    try {
      expect((await s.get("/metadata?x=1")).status).toBe(200);
      expect((await s.get("/ipxe")).status).toBe(404);
    } finally {
      await s.close();
    }
  });

  it("A16: broken group files are ignored (and reported)", async () => {
    const s = await startTestServer({
      files: {
        "groups/bad-json.json": "{ not json",
        "groups/bad-mac.json": json({ id: "x", profile: "bad", selector: { mac: "nope" } }),
        "groups/meta-array.json": json({ id: "x", profile: "bad", metadata: [1] }),
        "groups/numeric.json": json({ id: "x", profile: "bad", selector: { n: 1 } }),
        "groups/ok.json": json({ id: "ok", profile: "ok" }),
        "profiles/ok.json": profile("ok"),
        "profiles/bad.json": profile("bad"),
      },
    });
    try {
      expect((await s.get("/ipxe?n=1")).body).toBe(IPXE("/ok"));
      const reported = s.logs.filter((l) => l.level === 50).map((l) => String(l.msg));
      expect(reported.join("\n")).toMatch(/groups\/bad-json\.json: invalid JSON/);
      // A selector MAC that does not parse is how groups are switched off: a warning, not an error.
      const warned = s.logs.filter((l) => l.level === 40).map((l) => String(l.msg));
      expect(warned.join("\n")).toMatch(/groups\/bad-mac\.json \/selector\/mac: address nope: invalid MAC address, so this group is skipped/);
      expect(reported.join("\n")).toMatch(/groups\/meta-array\.json \/metadata: must be object,null/);
      expect(reported.join("\n")).toMatch(/groups\/numeric\.json \/selector\/n: must be string,null/);
    } finally {
      await s.close();
    }
  });

  it("A17/A18: a profile without id, with a string initrd or bad JSON is not found; field names are case-insensitive", async () => {
    const s = await startTestServer({
      files: {
        "groups/noid.json": json({ id: "1", profile: "noid", selector: { p: "noid" } }),
        "groups/strinitrd.json": json({ id: "2", profile: "strinitrd", selector: { p: "strinitrd" } }),
        "groups/comma.json": json({ id: "3", profile: "comma", selector: { p: "comma" } }),
        "groups/caps.json": json({ id: "4", profile: "caps", selector: { p: "caps" } }),
        "profiles/noid.json": json({ boot: { kernel: "/k" } }),
        "profiles/strinitrd.json": json({ id: "s", boot: { kernel: "/k", initrd: "/x" } }),
        "profiles/comma.json": '{"id": "c", "boot": {"kernel": "/k",}}',
        "profiles/caps.json": '{"ID": "caps", "Boot": {"Kernel": "/caps", "ARGS": ["x=1"]}}',
      },
    });
    try {
      for (const p of ["noid", "strinitrd", "comma"]) expect((await s.get(`/ipxe?p=${p}`)).status, p).toBe(404);
      expect((await s.get("/ipxe?p=caps")).body).toBe("#!ipxe\nkernel /caps x=1\nboot\n");
    } finally {
      await s.close();
    }
  });

  it("renders boot sections with Matchbox's exact whitespace", async () => {
    const s = await startTestServer({
      files: {
        "groups/empty.json": json({ id: "1", profile: "empty", selector: { p: "empty" } }),
        "groups/args.json": json({ id: "2", profile: "args", selector: { p: "args" } }),
        "groups/none.json": json({ id: "3", profile: "none", selector: { p: "none" } }),
        "profiles/empty.json": json({ id: "empty", boot: {} }),
        "profiles/args.json": json({ id: "args", boot: { args: ["x=1"] } }),
        "profiles/none.json": json({ id: "none" }),
      },
    });
    try {
      expect((await s.get("/ipxe?p=empty")).body).toBe("#!ipxe\nkernel \nboot\n");
      expect((await s.get("/ipxe?p=args")).body).toBe("#!ipxe\nkernel  x=1\nboot\n");
      expect((await s.get("/ipxe?p=none")).status).toBe(404);
      expect((await s.get("/grub?p=empty")).body).toContain('linuxefi ""\necho "Loading initrd"\ninitrdefi \n}');
    } finally {
      await s.close();
    }
  });
});

describe("assets", () => {
  it("serves files with Content-Length, HEAD, ETag/304, listings and index.html, and refuses escapes", async () => {
    const s = await startTestServer({
      files: { "assets/ipxe.efi": Buffer.alloc(4096, 1), "assets/site/index.html": "<p>hi</p>", "assets/dir/a.txt": "a", "secret.txt": "do-not-serve-me" },
    });
    try {
      const head = await s.get("/assets/ipxe.efi", { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(head.headers["content-length"]).toBe("4096");
      const get = await s.get("/assets/ipxe.efi");
      expect(get.bytes.length).toBe(4096);
      expect(String(get.headers["content-type"])).toMatch(/^application\/(efi|octet-stream)/);
      const again = await s.get("/assets/ipxe.efi", { headers: { "if-none-match": String(get.headers.etag) } });
      expect(again.status).toBe(304);
      expect((await s.get("/assets/site/")).body).toBe("<p>hi</p>");
      // Listings are not byte-for-byte Go's (Go writes ./ only before a name with a colon); ./a.txt is the same link.
      expect((await s.get("/assets/dir/")).body).toContain('<a href="./a.txt">a.txt</a>');
      expect((await rawGet(s.url, "/assets/dir")).status).toBe(301);
      for (const target of ["/assets/%2e%2e/secret.txt", "/assets/..%2fsecret.txt", "/assets/%00", "/assets/..\\secret.txt"]) {
        const res = await rawGet(s.url, target);
        // A redirect's body may name the path; it must never carry the file.
        expect(res.body, target).not.toContain("do-not-serve-me");
      }
      expect((await s.get("/assets/missing")).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});

describe("templates as Matchbox renders them (A24–A29)", () => {
  it("serves /generic with a sniffed type, Range, query-only data and Go number printing", async () => {
    const s = await startTestServer({
      files: {
        "groups/g.json": json({ id: "g", profile: "p", metadata: { big: 1000000, text: "line1\nline2" } }),
        "groups/html.json": json({ id: "h", profile: "html", selector: { kind: "html" } }),
        "groups/uuid.json": json({ id: "u", profile: "uuid", selector: { kind: "uuid" } }),
        "groups/foo.json": json({ id: "f", profile: "foo", selector: { kind: "foo" } }),
        "profiles/p.json": json({ id: "p", generic_id: "plain.tmpl" }),
        "profiles/html.json": json({ id: "html", generic_id: "page.tmpl" }),
        "profiles/uuid.json": json({ id: "uuid", generic_id: "uuid.tmpl" }),
        "profiles/foo.json": json({ id: "foo", generic_id: "foo.tmpl" }),
        "generic/plain.tmpl": "big={{.big}}\n",
        "generic/page.tmpl": "  <html><body>{{.request.query.kind}}</body></html>\n",
        "generic/uuid.tmpl": "{{.uuid}}",
        "generic/foo.tmpl": "{{.request.query.foo}}",
      },
    });
    try {
      const plain = await s.get("/generic");
      expect(plain.body).toBe("big=1e+06\n");
      expect(plain.headers["content-type"]).toBe("text/plain; charset=utf-8");
      const html = await s.get("/generic?kind=html");
      expect(html.headers["content-type"]).toBe("text/html; charset=utf-8");
      const range = await s.get("/generic", { headers: { range: "bytes=0-4" } });
      expect(range.status).toBe(206);
      expect(range.body).toBe("big=1");
      expect(range.headers["content-range"]).toBe(`bytes 0-4/${Buffer.byteLength("big=1e+06\n")}`);
      expect((await s.get("/generic?kind=uuid&uuid=abc")).status).toBe(500);
      expect((await s.get("/generic?kind=foo")).status).toBe(500);
      expect((await s.get("/generic?kind=foo&foo=1")).body).toBe("1");
      const meta = await s.get("/metadata");
      expect(meta.body).toContain("TEXT=line1\nline2\n");
    } finally {
      await s.close();
    }
  });
});

describe("request log", () => {
  it("writes one line per request with labels, group, profile and status, and says why a machine got nothing", async () => {
    const s = await startTestServer({
      files: {
        "groups/a.json": json({ id: "a", profile: "missing", selector: { os: "a" } }),
        "groups/b.json": json({ id: "b", profile: "p", selector: { os: "b" } }),
        "profiles/p.json": profile("p"),
      },
    });
    try {
      await s.get("/ipxe?os=b&mac=52-54-00-00-00-01");
      await s.get("/ipxe?os=a");
      await s.get("/ipxe?os=c&mac=nope");
      await new Promise((r) => setTimeout(r, 50));
      const lines = s.logs.filter((l) => l.msg === "request" || String(l.msg).startsWith("request ("));
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatchObject({ endpoint: "/ipxe", labels: { os: "b", mac: "52:54:00:00:00:01" }, group: "b", profile: "p", status: 200 });
      expect(lines[1]).toMatchObject({ group: "a", status: 404, reason: "no profile" });
      expect(lines[2]).toMatchObject({ status: 404, reason: "no group", ignoredMacs: ["nope"], level: 40 });
      expect(typeof lines[0]!.durationMs).toBe("number");
    } finally {
      await s.close();
    }
  });
});
