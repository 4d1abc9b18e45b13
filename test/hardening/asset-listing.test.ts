import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawGet } from "../support/raw-http.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { bootableFiles } from "./support/fixtures.js";

/** File names a hostile or careless upload could bring into the assets folder. */
const NAMES = ["javascript:alert(1)", "a?b", "c#d", "<x>.txt", "with space.txt", "100%.txt", `quote"'.txt`, "amp&lt;.txt", "é.txt", "plain.txt"];
const FOLDER = "d?ir #1";

const unescapeHtml = (s: string) =>
  s.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

/** The body as UTF-8 (raw responses are read as latin1). */
const utf8 = (body: string) => Buffer.from(body, "latin1").toString("utf8");

function links(html: string): { href: string; text: string }[] {
  return [...html.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => ({ href: unescapeHtml(m[1]!), text: unescapeHtml(m[2]!) }));
}

describe("/assets/ directory listing with hostile file names", () => {
  let s: TestServer;
  beforeAll(async () => {
    const files: Record<string, string> = { ...bootableFiles(), [`assets/${FOLDER}/inner.txt`]: "inner\n" };
    for (const name of NAMES) files[`assets/${name}`] = `content of ${name}\n`;
    s = await startTestServer({ files });
  });
  afterAll(() => s.close());

  it("links every entry as ./ and its percent-encoded name, and shows the name HTML-escaped", async () => {
    const res = await rawGet(s.url, "/assets/");
    expect(res.status).toBe(200);
    expect(res.body).not.toMatch(/href="(?!\.\/)/);
    expect(res.body).not.toContain("<x>");
    expect(res.body).toContain("&lt;x&gt;.txt");
    const found = links(utf8(res.body));
    expect(found.map((l) => l.text).sort()).toEqual([...NAMES, FOLDER + "/"].sort());
    for (const { href, text } of found) {
      expect(href, text).toMatch(/^\.\/[A-Za-z0-9\-_.~$&+,/:;=@%]*$/);
      // A browser resolves the link to the entry itself, never to a query, a fragment or another scheme.
      const resolved = new URL(href, "http://test/assets/");
      expect([resolved.protocol, resolved.search, resolved.hash], text).toEqual(["http:", "", ""]);
      expect(decodeURIComponent(resolved.pathname), text).toBe(`/assets/${text}`);
    }
  });

  it("serves what each link points to", async () => {
    const found = links(utf8((await rawGet(s.url, "/assets/")).body));
    for (const { href, text } of found) {
      const target = new URL(href, "http://test/assets/").pathname;
      const res = await rawGet(s.url, target);
      expect(res.status, `${text} at ${target}`).toBe(200);
      if (text.endsWith("/")) expect(links(res.body).map((l) => l.href)).toEqual(["./inner.txt"]);
      else expect(utf8(res.body)).toBe(`content of ${text}\n`);
    }
  });

  it("redirects a folder named with ? and # to its percent-encoded path with a slash", async () => {
    const encoded = "/assets/" + encodeURIComponent(FOLDER);
    const res = await rawGet(s.url, encoded);
    expect(res.status).toBe(301);
    expect(/^location:\s*(.+)$/im.exec(res.head)?.[1]?.trim()).toBe(`${encoded}/`);
  });
});
