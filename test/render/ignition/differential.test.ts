/**
 * Differential tests against Debian's ignition-validate: for generated data
 * URLs, unit contents, paths and hashes in a spec 3.3.0 config (a version the
 * 2.14 validator knows natively), netboot must accept exactly what Ignition
 * accepts.
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { NetbootError } from "../../../server/errors.js";
import { canonicalIgnition } from "../../../server/render/ignition/index.js";
import { expectIgnitionValid, runIgnitionValidate } from "../support/ignition-validate.js";

function verdicts(doc: object | string): { ours: boolean; ignition: boolean; detail: string } {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  let ours = true;
  let detail = "";
  try {
    // What netboot would serve must itself pass the validator.
    expectIgnitionValid(canonicalIgnition(text, "diff.ign"));
  } catch (err) {
    if (!(err instanceof NetbootError)) throw err;
    ours = false;
    detail = err.message;
  }
  const ignition = runIgnitionValidate(text);
  return { ours, ignition: ignition.status === 0, detail: `${text}\nnetboot: ${detail}\nignition-validate: ${ignition.output}` };
}

/** A document both must accept, mixed into every run so both outcomes are always exercised. */
const KNOWN_VALID = { ignition: { version: "3.3.0" }, storage: { files: [{ path: "/etc/known", contents: { source: "data:,ok" } }] } };

function agree(arbitrary: fc.Arbitrary<object | string>, runs: number): void {
  const seen = { valid: 0, invalid: 0 };
  fc.assert(
    fc.property(fc.oneof({ arbitrary, weight: 5 }, { arbitrary: fc.constant(KNOWN_VALID), weight: 1 }), (doc) => {
      const v = verdicts(doc);
      expect(v.ours, v.detail).toBe(v.ignition);
      seen[v.ours ? "valid" : "invalid"]++;
    }),
    { numRuns: runs },
  );
  // Both outcomes must have been exercised, or the comparison says little.
  expect(seen.valid).toBeGreaterThan(0);
  expect(seen.invalid).toBeGreaterThan(0);
}

const cfg = (storage: object, systemd: object = {}): object => ({ ignition: { version: "3.3.0" }, storage, systemd });

describe("netboot and ignition-validate agree", { timeout: 120_000 }, () => {
  test("on data URLs", () => {
    const piece = fc.constantFrom("data:", ",", ";", "base64", "text/plain", "charset=utf-8", "a", "%20", "%2", "<", " ", "=", "QUJD", "x-", "/", '"q"', "é", "#");
    const random = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => (parts[0] === "data:" ? "" : "data:") + parts.join(""));
    const header = fc.constantFrom("data:,", "data:;base64,", "data:text/plain;charset=utf-8,", "data:application/octet-stream;base64,", "data:x-a/b;p=\"q,r\",");
    const plausible = fc.tuple(header, fc.array(fc.constantFrom("a", "%20", "QUJD", "=", "%2", "<", "+/", "é"), { maxLength: 4 })).map(([h, body]) => h + body.join(""));
    const url = fc.oneof(random, plausible);
    agree(url.map((source) => cfg({ files: [{ path: "/f", contents: { source } }] })), 60);
  });

  test("on systemd unit contents", () => {
    // Long runs matter: the 2048-byte line check depends on what go-systemd's 4 KiB read buffer holds.
    const long = fc.constantFrom(700, 1500, 2047, 2100, 3000, 4100).map((n) => "x".repeat(n));
    const piece = fc.oneof(
      fc.constantFrom("[Unit]", "[Service", "]", "\n", "Description=x", "Key", "=", "#c", ";c", "\\", " ", "\r\n", "garbage", "é"),
      long,
    );
    const contents = fc.array(piece, { maxLength: 10 }).map((parts) => parts.join(""));
    agree(contents.map((c) => cfg({}, { units: [{ name: "a.service", contents: c }] })), 60);
  });

  // arn: sources are left out: Ignition accepts them since after the 2.14 validator was built.
  test("on source URLs", () => {
    const scheme = fc.constantFrom("http://", "https://", "tftp://", "s3://", "gs://", "ftp://", "file:///", "HTTP://", "", ":", "1http://");
    const rest = fc.constantFrom("example.com/x", "example.com:80/x", "example.com:port/x", "h/%zz", "h/%41", "bucket/key?versionId=", "bucket/key?versionId=1", "a b", "h/x#frag%", "bucket");
    agree(fc.tuple(scheme, rest).map(([a, b]) => cfg({ files: [{ path: "/f", contents: { source: a + b } }] })), 60);
  });

  test("on JSON numbers, types and key spellings", () => {
    const mode = fc.constantFrom("420", "420.0", "4.2e2", "-0", "1e2", '"420"', "true", "null", "9223372036854775808", "0644");
    const key = fc.constantFrom('"mode"', '"Mode"', '"MODE"', '"mOdE"');
    agree(
      fc.tuple(mode, key).map(([m, k]) => `{"ignition":{"version":"3.3.0"},"storage":{"files":[{"path":"/f",${k}:${m}}]}}`),
      40,
    );
  });

  test("on paths, unit names and hashes", () => {
    const path = fc.constantFrom("/etc/a", "etc/a", "/etc/../a", "/etc//a", "/etc/a/", "", "/", "/a b");
    const unitName = fc.constantFrom("a.service", "a", "a.conf", "b.timer", "x/y.mount", "a.SERVICE");
    const hash = fc.constantFrom(undefined, "sha512-" + "0".repeat(128), "sha256-" + "0".repeat(64), "sha256-00", "md5-00", "nodash");
    agree(
      fc.record({ path, unitName, hash }).map(({ path, unitName, hash }) =>
        cfg(
          { files: [{ path, contents: { source: "https://example.com/x", ...(hash ? { verification: { hash } } : {}) } }] },
          { units: [{ name: unitName }] },
        ),
      ),
      60,
    );
  });
});
