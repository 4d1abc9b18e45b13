import { writeFileSync } from "node:fs";
import { Client } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer } from "../support/server.js";
import { compare, CORPUS_SETS, findCorpus, formatTable, loadSet, type Answer, type CorpusSet, type Tally, type Verdict } from "./corpus.js";

/**
 * Replays every request Matchbox answered in the recorded corpus against the
 * real netboot server over the same data and assets, and compares the answers
 * by the corpus's rules (test/fixtures/matchbox-corpus, or the folder
 * NETBOOT_MATCHBOX_CORPUS names).
 */

const corpusDir = findCorpus();

interface Result {
  set: string;
  id: string;
  endpoint: string;
  method: string;
  target: string;
  verdict: Verdict;
  /** Both answers, kept only for NETBOOT_CORPUS_REPORT. */
  detail?: { expected: unknown; actual: { status: number; contentType?: string; body: string } };
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** Sends `method target` exactly as recorded (undici passes the path through without re-encoding it). */
async function send(client: Client, method: string, target: string): Promise<Answer> {
  const res = await client.request({ path: target, method: method as "GET", headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = Buffer.from(await res.body.arrayBuffer());
  return {
    status: res.statusCode,
    contentType: header(res.headers, "content-type"),
    contentLength: header(res.headers, "content-length"),
    location: header(res.headers, "location"),
    body,
  };
}

async function replay(set: CorpusSet): Promise<Result[]> {
  const server = await startTestServer({ dataDir: set.dataDir, assetsPath: set.assetsDir });
  const client = new Client(server.url, { keepAliveTimeout: 10_000 });
  const results: Result[] = [];
  try {
    for (const request of set.requests) {
      const expected = set.expected.get(request.id);
      if (!expected) throw new Error(`${request.id}: no recorded answer`);
      const answer = await send(client, request.method, request.target);
      if (request.method === "HEAD") answer.getBody = (await send(client, "GET", request.target)).body;
      const verdict = await compare(set, expected, answer);
      const result: Result = { set: set.name, id: request.id, endpoint: request.endpoint, method: request.method, target: request.target, verdict };
      if (process.env.NETBOOT_CORPUS_REPORT && verdict.kind !== "identical") {
        result.detail = { expected, actual: { status: answer.status, contentType: answer.contentType, body: answer.body.toString("utf8") } };
      }
      results.push(result);
    }
  } finally {
    await client.close();
    await server.close();
  }
  return results;
}

function tally(results: readonly Result[]): Map<string, Tally> {
  const tallies = new Map<string, Tally>();
  for (const r of results) {
    let t = tallies.get(r.endpoint);
    if (!t) tallies.set(r.endpoint, (t = { identical: 0, accepted: {}, different: 0, total: 0 }));
    t.total++;
    if (r.verdict.kind === "identical") t.identical++;
    else if (r.verdict.kind === "accepted") t.accepted[r.verdict.difference] = (t.accepted[r.verdict.difference] ?? 0) + 1;
    else t.different++;
  }
  return tallies;
}

const ENDPOINTS = ["HEAD", "boot.ipxe", "boot.ipxe.0", "generic", "grub", "ignition", "ipxe", "metadata", "other", "root"] as const;

describe(`Matchbox corpus replay (${corpusDir})`, () => {
  const results: Result[] = [];
  beforeAll(async () => {
    for (const name of CORPUS_SETS) results.push(...(await replay(loadSet(corpusDir, name))));
  }, 180_000);
  afterAll(() => {
    if (results.length === 0) return;
    // Every answer that is not identical, with both bodies, for a closer look.
    const report = process.env.NETBOOT_CORPUS_REPORT;
    if (report) writeFileSync(report, results.filter((r) => r.detail).map((r) => JSON.stringify(r)).join("\n") + "\n");
    console.log(`Matchbox corpus: netboot's answers per endpoint (${results.length} requests)\n${formatTable(tally(results))}`);
  });

  it("replays every recorded request", () => {
    expect(results.length).toBe(2253);
    const endpoints = new Set(results.map((r) => r.endpoint));
    expect([...endpoints].sort()).toEqual([...ENDPOINTS]);
  });

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint}: every answer is Matchbox's, or one of the documented differences`, () => {
      const different = results
        .filter((r) => r.endpoint === endpoint && r.verdict.kind === "different")
        .map((r) => `${r.id} ${r.method} ${r.target}: ${(r.verdict as { reason: string }).reason}`);
      expect(different).toEqual([]);
    });
  }
});
