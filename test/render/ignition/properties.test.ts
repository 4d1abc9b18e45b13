import fc from "fast-check";
import { gunzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { makeDataUrl } from "../../../server/render/butane/data-url.js";
import { canonicalIgnition, decodeDataUrl } from "../../../server/render/ignition/index.js";
import { goJsonString } from "../../../server/render/ignition/serialize.js";
import { parseUnitContents } from "../../../server/render/ignition/unit-syntax.js";
import { expectIgnitionValid } from "../support/ignition-validate.js";

const text = fc.string({ unit: "binary", maxLength: 40 });
const absPath = fc
  .array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 4 })
  .map((parts) => "/" + parts.join("/"));

const file = fc.record(
  {
    path: absPath,
    mode: fc.integer({ min: 0, max: 0o777 }),
    overwrite: fc.boolean(),
    contents: fc.record({ source: text.map((t) => "data:," + encodeURIComponent(t).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16))) }),
    user: fc.record({ name: fc.stringMatching(/^[a-z]{1,6}$/) }, { requiredKeys: [] }),
  },
  { requiredKeys: ["path", "contents"] },
);
const unit = fc.record(
  {
    name: fc.stringMatching(/^[a-z]{1,8}\.(service|timer|mount)$/),
    enabled: fc.boolean(),
    mask: fc.boolean(),
    contents: fc.constantFrom("[Unit]\nDescription=x\n", "[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n"),
  },
  { requiredKeys: ["name"] },
);
const config = fc.record({
  version: fc.constantFrom("3.0.0", "3.1.0", "3.2.0", "3.3.0", "3.4.0", "3.5.0"),
  files: fc.uniqueArray(file, { selector: (f) => f.path, maxLength: 4 }),
  units: fc.uniqueArray(unit, { selector: (u) => u.name, maxLength: 3 }),
  users: fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z]{1,6}$/), sshAuthorizedKeys: fc.uniqueArray(text, { maxLength: 2 }) }), {
    selector: (u) => u.name,
    maxLength: 2,
  }),
});

describe("properties", { timeout: 120_000 }, () => {
  test("canonical output is a fixed point, parses as the same document, and ignition-validate accepts it", () => {
    const produced = new Set<string>();
    fc.assert(
      fc.property(config, (c) => {
        const doc = {
          ignition: { version: c.version },
          passwd: { users: c.users.map((u) => (u.sshAuthorizedKeys.length ? u : { name: u.name })) },
          storage: { files: c.files },
          systemd: { units: c.units },
        };
        const once = canonicalIgnition(JSON.stringify(doc), "p.ign");
        expect(canonicalIgnition(once, "p.ign")).toBe(once);
        const parsed = JSON.parse(once) as { storage: { files?: Array<{ path: string }> }; ignition: { version: string } };
        expect((parsed.storage.files ?? []).map((f) => f.path)).toEqual(c.files.map((f) => f.path));
        expect(parsed.ignition.version).toBe(c.version === "3.5.0" ? "3.5.0" : "3.4.0");
        produced.add(once);
      }),
      { numRuns: 100 },
    );
    for (const doc of produced) expectIgnitionValid(doc);
  });

  test("Go string escaping is valid JSON for the same text and never contains raw <, >, &", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (s) => {
        const out = goJsonString(s);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
        expect(JSON.parse(out)).toBe(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
      }),
    );
  });

  test("Butane's data URLs decode to the inline bytes, and pick the shortest form", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 300 }), fc.string({ unit: fc.constantFrom("a", "b", "\n"), maxLength: 400 })), (s) => {
        const bytes = Buffer.from(s, "utf8");
        const { source, compression } = makeDataUrl(bytes, undefined);
        const decoded = decodeDataUrl(source);
        expect(compression === "gzip" ? gunzipSync(decoded) : decoded).toEqual(bytes);
        const percentLength = ("data:," + [...bytes].map((b) => (/[A-Za-z0-9\-_.!~*'()]/.test(String.fromCharCode(b)) && b < 128 ? "x" : "%XX")).join("")).length;
        expect(source.length).toBeLessThanOrEqual(percentLength);
      }),
    );
  });

  test("the unit lexer never throws anything but its own errors", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("[", "]", "=", "\n", "\\", "#", " ", "a", "\r"), maxLength: 50 }), (s) => {
        try {
          parseUnitContents(s);
        } catch (err) {
          expect((err as Error).message).toMatch(/^invalid unit content: /);
        }
      }),
    );
  });
});
