/**
 * The typed test oracle: Go's own text/template run natively (go-oracle/main.go,
 * built with the machine's `go`, which `npm test` installs from Debian's
 * golang-go), given template data with the Go types Matchbox gives it
 * (request.query a map[string]string). The WebAssembly oracle (oracle.ts) only
 * takes JSON, where every map is a map[string]interface {}.
 *
 * Debian 12's Go is 1.19, older than the Go Matchbox is built with. Where the
 * two Go versions render a template differently (features or messages added
 * since), the comparison is settled by the WebAssembly oracle (Go 1.25) over
 * the same data in JSON shape; see compareTyped.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { labelsFromQuery } from "../../server/match/labels.js";
import { templateData } from "../../server/render/template-data.js";
import type { Group } from "../../server/store/types.js";
import { toValidText, utf8Decode } from "../../server/template/bytestring.js";
import { ORACLE_LIMITS, type Outcome, difference, runEngine, runOracle } from "./oracle.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.join(HERE, "go-oracle", "main.go");
const CACHE = path.join(HERE, "..", "..", "node_modules", ".cache", "netboot-go-oracle");

/** What Matchbox builds a template's data from. */
export interface MatchboxInput {
  metadata: Record<string, unknown> | null;
  selector: Record<string, string>;
  rawQuery: string;
}

/** Byte-exact outcome: output and messages as Go's bytes, decoded as the engine keeps byte strings. */
export type ExactOutcome = { ok: true; output: string } | { ok: false; parse: boolean; message: string };

function goBinary(): string {
  let version: string;
  try {
    version = execFileSync("go", ["version"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error("`go` is not installed: `npm test` installs it (Debian package golang-go) before running the tests");
  }
  const hash = createHash("sha256").update(readFileSync(SOURCE)).update(version).digest("hex").slice(0, 16);
  const binary = path.join(CACHE, `oracle-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(CACHE, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  execFileSync("go", ["build", "-o", partial, SOURCE], {
    cwd: path.dirname(SOURCE),
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOENV: "off",
      GOFLAGS: "",
      GOPATH: path.join(CACHE, "gopath"),
      GOCACHE: path.join(CACHE, "gocache"),
      GOPROXY: "off",
      GOTOOLCHAIN: "local",
      GOTELEMETRY: "off",
      CGO_ENABLED: "0",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  renameSync(partial, binary);
  return binary;
}

interface Pending {
  resolve: (line: string) => void;
  reject: (err: Error) => void;
}

/** One long-running oracle process answering requests in order. */
export class GoOracle {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending: Pending[] = [];
  private stderr = "";

  constructor() {
    this.child = spawn(goBinary(), [], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stderr.on("data", (chunk) => (this.stderr += String(chunk)));
    createInterface({ input: this.child.stdout }).on("line", (line) => this.pending.shift()?.resolve(line));
    this.child.on("exit", (code) => {
      for (const p of this.pending.splice(0)) p.reject(new Error(`go oracle exited (${code}): ${this.stderr}`));
    });
  }

  async render(text: string, input: MatchboxInput, options: { untyped?: boolean; name?: string } = {}): Promise<ExactOutcome> {
    const request = JSON.stringify({
      template: text,
      name: options.name ?? "tpl",
      metadata: input.metadata,
      selector: input.selector,
      rawQuery: input.rawQuery,
      untyped: options.untyped ?? false,
    });
    const line = await new Promise<string>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(request + "\n");
    });
    const answer = JSON.parse(line) as { ok: boolean; output?: string; parse?: boolean; message?: string };
    const decode = (b64 = "") => utf8Decode(Buffer.from(b64, "base64"));
    return answer.ok ? { ok: true, output: decode(answer.output) } : { ok: false, parse: answer.parse ?? false, message: decode(answer.message) };
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** The template data netboot builds for these inputs, as the server does. */
export function netbootData(input: MatchboxInput): Record<string, unknown> {
  const group = { metadata: input.metadata, selector: input.selector } as unknown as Group;
  return templateData(group, labelsFromQuery(input.rawQuery).labels, input.rawQuery);
}

/** The same data in JSON shape (request.query a plain object), for the JSON-only oracle. */
export function jsonShaped(input: MatchboxInput): Record<string, unknown> {
  const data: Record<string, unknown> = { ...(input.metadata ?? {}) };
  for (const [key, value] of Object.entries(input.selector)) data[key.toLowerCase()] = value;
  data.request = { query: Object.fromEntries(labelsFromQuery(input.rawQuery).labels), raw_query: input.rawQuery };
  return data;
}

/** This engine over netboot's data for the inputs (or over other data), with Go's exact bytes in the output. */
export function runOursExact(text: string, input: MatchboxInput, data: unknown = netbootData(input)): ExactOutcome {
  return runEngine(text, (template) => utf8Decode(template.executeBytes(data, ORACLE_LIMITS)));
}

/**
 * Messages Go 1.25 words differently from Go 1.19, in 1.19's words: comparison
 * errors gained the operands' types, `call` errors the callee's name.
 */
function inGo119Words(message: string): string {
  return message
    .replace(/(error calling (?:eq|ne|lt|le|gt|ge): incompatible types for comparison): \S+(?: \{\})? and \S+(?: \{\})?$/, "$1")
    .replace(/(error calling call: non-function) .* (of type [^ ]+(?: \{\})?)$/s, "$1 $2");
}

function exactDifference(go: ExactOutcome, newer: ExactOutcome): string | null {
  const ours = newer.ok ? newer : { ...newer, message: inGo119Words(newer.message) };
  if (go.ok && ours.ok) return go.output === ours.output ? null : `output differs: go ${JSON.stringify(go.output)}, ours ${JSON.stringify(ours.output)}`;
  if (go.ok !== ours.ok || (!go.ok && !ours.ok && (go.parse !== ours.parse || go.message !== ours.message))) {
    return `go ${JSON.stringify(go)}, ours ${JSON.stringify(ours)}`;
  }
  return null;
}

/** As the WebAssembly oracle reports it: Go's bytes read as UTF-8 text. */
function asOutcome(o: ExactOutcome): Outcome {
  return o.ok ? { ok: true, output: toValidText(o.output) } : { ...o, message: toValidText(o.message) };
}

export interface TypedComparison {
  /** False when Go 1.19 and Go 1.25 disagree on this template over JSON-shaped data. */
  comparable: boolean;
  go: ExactOutcome;
  difference: string | null;
}

/**
 * Compares this engine with Go over Matchbox-typed data. The native Go's answer
 * counts only where it agrees with Go 1.25 (the WebAssembly oracle) on the same
 * template over JSON-shaped data; otherwise the template exercises something
 * the two Go versions do differently, and the JSON comparison (oracle.ts)
 * covers it instead (messages only worded differently count as agreeing, see
 * inGo119Words). Where the WebAssembly oracle drops an error's text (inside
 * defined templates, or after a line break in the failing node), this engine's
 * own answer over the JSON-shaped data, which oracle.ts holds to Go 1.25, stands
 * in for it. A template known to render alike in both versions (versionNeutral)
 * skips that check, so data JSON cannot carry (bytes that are not UTF-8) can
 * be compared too.
 */
export async function compareTyped(
  oracle: GoOracle,
  text: string,
  given: MatchboxInput,
  options: { versionNeutral?: boolean } = {},
): Promise<TypedComparison> {
  // Both engines see the metadata as it comes out of JSON (the oracle serialises it).
  const input = { ...given, metadata: JSON.parse(JSON.stringify(given.metadata)) as MatchboxInput["metadata"] };
  if (options.versionNeutral) {
    const go = await oracle.render(text, input);
    return { comparable: true, go, difference: exactDifference(go, runOursExact(text, input)) };
  }
  const reported = await runOracle(text, jsonShaped(input));
  const newer = reported.ok || reported.parse ? reported : { ...reported, message: inGo119Words(reported.message) };
  const older = await oracle.render(text, input, { untyped: true });
  const messageLost = !newer.ok && !newer.parse && newer.message === "";
  const versionsAgree =
    difference(newer, asOutcome(older)) === null &&
    (!messageLost || exactDifference(older, runOursExact(text, input, jsonShaped(input))) === null);
  if (!versionsAgree) return { comparable: false, go: older, difference: null };
  const go = await oracle.render(text, input);
  // Where only the typed data reaches them: Go 1.22 learned to range over integers, and
  // newer fmt applies the # flag to %w's bad-verb form as to %v's.
  if (!go.ok && /: range can't iterate over -?\d+$/.test(go.message)) return { comparable: false, go, difference: null };
  if (go.ok && go.output.includes("%!w(")) return { comparable: false, go, difference: null };
  return { comparable: true, go, difference: exactDifference(go, runOursExact(text, input)) };
}
