import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { isDeepStrictEqual } from "node:util";

/**
 * Answers recorded from the real Matchbox over three data directories
 * (test/fixtures/matchbox-corpus, described in its README), and the rules by
 * which netboot's answers are compared with them.
 */

export const CORPUS_SETS = ["alpha", "bravo", "charlie"] as const;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The corpus kept with the tests. */
export const BUNDLED_CORPUS = path.join(REPO_ROOT, "test", "fixtures", "matchbox-corpus");

/**
 * The corpus to replay: NETBOOT_MATCHBOX_CORPUS (another corpus recorded the
 * same way, with the same set names), else the bundled one. Throws when the
 * folder lacks a set: a replay that cannot run is a failure, not a skip.
 */
export function findCorpus(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.NETBOOT_MATCHBOX_CORPUS ? path.resolve(env.NETBOOT_MATCHBOX_CORPUS) : BUNDLED_CORPUS;
  const missing = CORPUS_SETS.filter((set) => !existsSync(path.join(dir, set, "expected.jsonl")));
  if (missing.length > 0) throw new Error(`the Matchbox corpus at ${dir} has no ${missing.join(", ")} set (each needs <set>/expected.jsonl)`);
  return dir;
}

export interface CorpusRequest {
  id: string;
  method: string;
  target: string;
  endpoint: string;
}

export interface CorpusAnswer extends CorpusRequest {
  status: number;
  content_type: string | null;
  content_length: string | null;
  location: string | null;
  body?: string;
  body_b64?: string;
  exact_length?: boolean;
}

function readJsonLines<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

export interface CorpusSet {
  name: string;
  dataDir: string;
  assetsDir: string;
  requests: CorpusRequest[];
  expected: Map<string, CorpusAnswer>;
  /** Data-relative paths of the template files some profile names (`generic/x.tmpl`). */
  referencedTemplates: Set<string>;
  /** Whether a profile names a raw Ignition file of spec 3.5.0. */
  rawIgnition35: boolean;
}

const TEMPLATE_FIELDS: Record<string, string> = { ignition_id: "ignition", generic_id: "generic", cloud_id: "cloud" };

/** Template files named by the set's profiles (any key case, as Go's JSON decoding reads them). */
function referencedTemplates(dataDir: string): Set<string> {
  const found = new Set<string>();
  const profilesDir = path.join(dataDir, "profiles");
  for (const name of readdirSync(profilesDir)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path.join(profilesDir, name), "utf8"));
    } catch {
      continue;
    }
    if (doc === null || typeof doc !== "object") continue;
    for (const [key, value] of Object.entries(doc)) {
      const kind = TEMPLATE_FIELDS[key.toLowerCase()];
      if (kind && typeof value === "string" && value !== "") found.add(path.posix.join(kind, path.posix.normalize("/" + value)));
    }
  }
  return found;
}

function ignitionVersion(file: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { ignition?: { version?: string } }).ignition?.version;
  } catch {
    return undefined;
  }
}

export function loadSet(corpusDir: string, name: string): CorpusSet {
  const dir = path.join(corpusDir, name);
  const dataDir = path.join(dir, "data");
  const expected = new Map(readJsonLines<CorpusAnswer>(path.join(dir, "expected.jsonl")).map((a) => [a.id, a]));
  const referenced = referencedTemplates(dataDir);
  return {
    name,
    dataDir,
    assetsDir: path.join(dir, "assets"),
    requests: readJsonLines<CorpusRequest>(path.join(dir, "requests.jsonl")),
    expected,
    referencedTemplates: referenced,
    rawIgnition35: [...referenced].some((file) => /\.(ign|ignition)$/.test(file) && ignitionVersion(path.join(dataDir, file)) === "3.5.0"),
  };
}

/** What netboot answered. */
export interface Answer {
  status: number;
  contentType: string | undefined;
  contentLength: string | undefined;
  location: string | undefined;
  body: Buffer;
  /** For HEAD: the body a GET of the same target gets. */
  getBody?: Buffer;
}

export type Verdict =
  | { kind: "identical" }
  | { kind: "accepted"; difference: AcceptedDifference }
  | { kind: "different"; reason: string };

/** The differences the corpus's README and netboot's contract document. */
export type AcceptedDifference =
  /** Matchbox's 404 for a configuration error; netboot's 500 names the file and the reason. */
  | "config-error-500"
  /** Matchbox's 200 with the empty Ignition config for a broken config; netboot's 500 says why. */
  | "empty-config-500"
  /** Raw Ignition 3.5.0, which Matchbox cannot parse (empty config), served as a valid 3.5.0 config. */
  | "ignition-3.5"
  /** `/` names the server. */
  | "root-body";

export const NOT_FOUND_BODY = "404 page not found\n";
export const EMPTY_IGNITION =
  '{"ignition":{"config":{"replace":{"verification":{}}},"proxy":{},"security":{"tls":{}},"timeouts":{},"version":""},"kernelArguments":{},"passwd":{},"storage":{},"systemd":{}}';
const METADATA_TYPES = { matchbox: "plain/text", netboot: "text/plain; charset=utf-8" };

export function expectedBody(answer: CorpusAnswer): Buffer {
  return answer.body_b64 !== undefined ? Buffer.from(answer.body_b64, "base64") : Buffer.from(answer.body ?? "", "utf8");
}

function isMetadata(target: string): boolean {
  return /^\/metadata(\?|$)/.test(target);
}

function isIgnition(target: string): boolean {
  return /^\/ignition(\?|$)/.test(target);
}

/** Lines of a `/metadata` body as a sorted multiset. */
function lineMultiset(body: Buffer): string[] {
  const text = body.toString("utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.sort();
}

/** Decodes every `data:` URL (and its gzip compression) so that two encodings of the same bytes compare equal. */
async function decodeDataUrls(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(decodeDataUrls));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, child] of entries) out[key] = await decodeDataUrls(child);
  if (typeof out.source === "string" && out.source.startsWith("data:")) {
    // Node's fetch decodes data: URLs itself (the WHATWG algorithm), independently of netboot's decoder.
    let bytes = Buffer.from(await (await fetch(out.source)).arrayBuffer());
    if (out.compression === "gzip") bytes = gunzipSync(bytes);
    out.source = { decoded: bytes.toString("base64") };
    delete out.compression;
  }
  return out;
}

async function sameIgnition(expected: Buffer, actual: Buffer): Promise<string | undefined> {
  let a: unknown;
  let b: unknown;
  try {
    a = JSON.parse(expected.toString("utf8"));
  } catch {
    return expected.equals(actual) ? undefined : "body differs (Matchbox's is not JSON)";
  }
  try {
    b = JSON.parse(actual.toString("utf8"));
  } catch {
    return "netboot's body is not JSON";
  }
  if (isDeepStrictEqual(await decodeDataUrls(a), await decodeDataUrls(b))) return undefined;
  return "Ignition document differs";
}

/** Whether a 500 body is one line naming a template file that a profile of this set uses, and why it failed. */
function namesConfigError(set: CorpusSet, body: Buffer): string | undefined {
  const text = body.toString("utf8");
  if (!text.endsWith("\n") || text.indexOf("\n") !== text.length - 1) return "the 500 body is not one line";
  const match = /(?:^|[\s"'])((?:ignition|generic|cloud)\/[^\s:"']+)/.exec(text);
  if (!match) return `the 500 body names no template file: ${JSON.stringify(text)}`;
  const file = match[1]!;
  if (!set.referencedTemplates.has(file)) return `the 500 body names ${file}, which no profile uses`;
  if (!statSync(path.join(set.dataDir, file), { throwIfNoEntry: false })?.isFile()) return `the 500 body names ${file}, which does not exist`;
  if (text.trimEnd().length <= match.index + match[0].length + 2) return "the 500 body gives no reason";
  return undefined;
}

/**
 * Compares one of netboot's answers with Matchbox's recorded one by the
 * corpus's rules. An accepted difference is named precisely; anything else is
 * "different" with the first reason found.
 */
export async function compare(set: CorpusSet, expected: CorpusAnswer, actual: Answer): Promise<Verdict> {
  const expectedBytes = expectedBody(expected);
  const head = expected.method === "HEAD";

  // Documented differences of status and body first.
  if (actual.status === 500 && (expected.status === 404 || (expected.status === 200 && expectedBytes.toString() === EMPTY_IGNITION))) {
    const body = head ? actual.getBody : actual.body;
    if (expected.status === 404 && !head && !expectedBytes.equals(Buffer.from(NOT_FOUND_BODY))) {
      return { kind: "different", reason: "500 where Matchbox's 404 is not its not-found answer" };
    }
    const wrong = body === undefined ? "no GET answer to compare the HEAD with" : namesConfigError(set, body);
    if (wrong) return { kind: "different", reason: wrong };
    if (actual.contentType !== "text/plain; charset=utf-8") return { kind: "different", reason: `500 with content type ${actual.contentType}` };
    if (head && actual.contentLength !== String(actual.getBody?.length)) {
      return { kind: "different", reason: `HEAD content-length ${actual.contentLength}, GET body ${actual.getBody?.length}` };
    }
    return { kind: "accepted", difference: expected.status === 404 ? "config-error-500" : "empty-config-500" };
  }
  if (
    isIgnition(expected.target) &&
    expected.status === 200 &&
    expectedBytes.toString() === EMPTY_IGNITION &&
    actual.status === 200 &&
    actual.contentType === "application/json" &&
    !head
  ) {
    try {
      const doc = JSON.parse(actual.body.toString("utf8")) as { ignition?: { version?: string } };
      if (doc.ignition?.version === "3.5.0" && set.rawIgnition35) return { kind: "accepted", difference: "ignition-3.5" };
    } catch {
      // compared below
    }
  }

  if (actual.status !== expected.status) return { kind: "different", reason: `status ${actual.status}, Matchbox ${expected.status}` };
  if ((actual.location ?? null) !== expected.location) {
    return { kind: "different", reason: `location ${JSON.stringify(actual.location)}, Matchbox ${JSON.stringify(expected.location)}` };
  }
  const metadataType = isMetadata(expected.target) && expected.status === 200 && expected.content_type === METADATA_TYPES.matchbox;
  const wantedType = metadataType ? METADATA_TYPES.netboot : expected.content_type;
  if ((actual.contentType ?? null) !== wantedType) {
    return { kind: "different", reason: `content type ${JSON.stringify(actual.contentType)}, Matchbox ${JSON.stringify(expected.content_type)}` };
  }
  const root = /^\/(\?|$)/.test(expected.target) && expected.status === 200;

  if (head) {
    if (actual.body.length !== 0) return { kind: "different", reason: "HEAD answered with a body" };
    if (root) return { kind: "accepted", difference: "root-body" };
    if (expected.exact_length) {
      if (actual.contentLength !== expected.content_length) {
        return { kind: "different", reason: `HEAD content-length ${actual.contentLength}, Matchbox ${expected.content_length}` };
      }
    } else if (actual.contentLength !== undefined && actual.contentLength !== String(actual.getBody?.length)) {
      return { kind: "different", reason: `HEAD content-length ${actual.contentLength}, GET body ${actual.getBody?.length}` };
    }
    return { kind: "identical" };
  }

  if (root) {
    return actual.body.toString() === "netboot\n" ? { kind: "accepted", difference: "root-body" } : { kind: "different", reason: "body of /" };
  }
  if (isMetadata(expected.target) && expected.status === 200) {
    return isDeepStrictEqual(lineMultiset(expectedBytes), lineMultiset(actual.body))
      ? { kind: "identical" }
      : { kind: "different", reason: "metadata lines differ" };
  }
  if (isIgnition(expected.target) && expected.status === 200) {
    const reason = await sameIgnition(expectedBytes, actual.body);
    return reason ? { kind: "different", reason } : { kind: "identical" };
  }
  return expectedBytes.equals(actual.body) ? { kind: "identical" } : { kind: "different", reason: "body differs" };
}

export interface Tally {
  identical: number;
  accepted: Partial<Record<AcceptedDifference, number>>;
  different: number;
  total: number;
}

/** `endpoint  identical/total  accepted…  different`, one row per endpoint, plus a total. */
export function formatTable(tallies: Map<string, Tally>): string {
  const rows: string[][] = [["endpoint", "identical/total", "accepted differences", "different"]];
  const sum: Tally = { identical: 0, accepted: {}, different: 0, total: 0 };
  const describe = (t: Tally) =>
    Object.entries(t.accepted)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "-";
  for (const [endpoint, t] of [...tallies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    rows.push([endpoint, `${t.identical}/${t.total}`, describe(t), String(t.different)]);
    sum.identical += t.identical;
    sum.different += t.different;
    sum.total += t.total;
    for (const [k, n] of Object.entries(t.accepted)) sum.accepted[k as AcceptedDifference] = (sum.accepted[k as AcceptedDifference] ?? 0) + n!;
  }
  rows.push(["all", `${sum.identical}/${sum.total}`, describe(sum), String(sum.different)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}
