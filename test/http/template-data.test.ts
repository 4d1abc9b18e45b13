/**
 * /generic and /ignition render with Matchbox's template data types, through
 * real sockets and real files: request.query is a map[string]string, so a
 * missing query parameter read with index is "" (not <no value>). Each
 * hand-picked typed case is served by the server and compared byte for byte
 * with Go's text/template over data built as Matchbox builds it.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { oneLine } from "../../server/errors.js";
import { goBytes } from "../../server/template/bytestring.js";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { GoOracle, type MatchboxInput } from "../template/go-oracle.js";

const CASES: string[] = JSON.parse(readFileSync(new URL("../template/typed-edge-cases.json", import.meta.url), "utf8"));

const METADATA = { name: "node1", os: "flatcar", m: { a: 1 }, request: "overwritten", list: ["a"] };
const MAC = "52:54:00:89:d8:10";

const PRESEED = 'd-i preseed/late_command string wget http://{{index .request.query "server"}}:8080/finish.sh\n';
const BUTANE = [
  "variant: flatcar",
  "version: 1.1.0",
  "storage:",
  "  files:",
  "    - path: /etc/install-server",
  "      contents:",
  '        inline: "[{{index .request.query "server"}}]"',
  "",
].join("\n");

function files(): Record<string, string> {
  const out: Record<string, string> = {
    "generic/preseed.cfg": PRESEED,
    "ignition/install.bu": BUTANE,
    "profiles/install.json": json({ id: "install", generic_id: "preseed.cfg", ignition_id: "install.bu" }),
    "groups/install.json": json({ id: "install", profile: "install", selector: { mac: MAC, role: "install" }, metadata: METADATA }),
  };
  CASES.forEach((text, i) => {
    out[`generic/case${i}.tmpl`] = text;
    out[`profiles/case${i}.json`] = json({ id: `case${i}`, generic_id: `case${i}.tmpl` });
    out[`groups/case${i}.json`] = json({ id: `case${i}`, profile: `case${i}`, selector: { mac: MAC, role: `case${i}` }, metadata: METADATA });
  });
  return out;
}

describe("template data types over HTTP", () => {
  let s: TestServer;
  let oracle: GoOracle;
  beforeAll(async () => {
    oracle = new GoOracle();
    s = await startTestServer({ files: files() });
  }, 120_000);
  afterAll(async () => {
    oracle.close();
    await s.close();
  });

  it("renders a missing query parameter read with index as an empty string", async () => {
    const generic = await s.get(`/generic?mac=52-54-00-89-d8-10&role=install`);
    expect(generic.status).toBe(200);
    expect(generic.body).toBe("d-i preseed/late_command string wget http://:8080/finish.sh\n");
    const given = await s.get(`/generic?mac=52-54-00-89-d8-10&role=install&server=192.0.2.10`);
    expect(given.body).toBe("d-i preseed/late_command string wget http://192.0.2.10:8080/finish.sh\n");
    // Escaped bytes that are not UTF-8 reach the template, and the answer, as the bytes they are.
    const raw = await s.get(`/generic?mac=52-54-00-89-d8-10&role=install&server=%C3%28%FF`);
    expect(raw.bytes.equals(Buffer.from("d-i preseed/late_command string wget http://\xc3(\xff:8080/finish.sh\n", "latin1"))).toBe(true);

    const ignition = await s.get(`/ignition?mac=52-54-00-89-d8-10&role=install`);
    expect(ignition.status).toBe(200);
    expect(JSON.parse(ignition.body).storage.files[0].contents.source).toBe("data:,%5B%5D");
  });

  it(`serves ${CASES.length} typed cases exactly as Go renders them`, { timeout: 120_000 }, async () => {
    const differences: string[] = [];
    for (let i = 0; i < CASES.length; i++) {
      const rawQuery = `mac=52-54-00-89-d8-10&role=case${i}&foo=some-param&server=&foo=second&MAC=bad`;
      const input: MatchboxInput = { metadata: METADATA, selector: { mac: MAC, role: `case${i}` }, rawQuery };
      const go = await oracle.render(CASES[i]!, input, { name: `generic/case${i}.tmpl` });
      const res = await s.get(`/generic?${rawQuery}`);
      if (go.ok) {
        const expected = goBytes(go.output);
        if (res.status !== 200 || !res.bytes.equals(expected)) {
          differences.push(`${CASES[i]}: go ${JSON.stringify(go.output)}, netboot ${res.status} ${JSON.stringify(res.body)}`);
        }
      } else if (res.status !== 500 || res.body !== oneLine(go.message) + "\n") {
        differences.push(`${CASES[i]}: go failed (${go.message}), netboot ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(differences).toEqual([]);
  });
});
