/**
 * Random Go templates and JSON data sets for differential testing. A seeded
 * PRNG drives a generator over the whole text/template grammar: text, trim
 * markers, comments, pipelines, variables, fields, literals of every syntax,
 * every builtin, printf formats, if/with/range/else chains, break/continue,
 * define/template/block, plus occasional character-level corruption so that
 * parse errors are exercised too.
 */

export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  /** mulberry32 */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

// --- data ----------------------------------------------------------------------

const KEYS = ["a", "b", "s", "n", "f", "l", "m", "t", "nul", "e", "u", "big"];

const INTERESTING_NUMBERS = [
  0, 1, -1, 2, 3, 2.5, -0.5, 0.1, 1e6, 999999, 1234567, 123456.5, 1e20, 1e21, 1e-5, 1e-4, 0.0001234, 5e-324, 1.7976931348623157e308,
  123456789012345680, 9007199254740993, 255, 65, 97, 0x1f600, 100000, -4,
];

const STRINGS = ["", "a", "x y", "node1", "é✓", "<a href=\"x\">&'", "a b&c=d/é?", "0", "false", "%d", "\t\n", "ab\u0000c", "😀", "`q`", "-", "\u2028"];

function genNumber(r: Rng): number {
  if (r.chance(0.6)) return r.pick(INTERESTING_NUMBERS);
  if (r.chance(0.5)) return (r.int(2000000) - 1000000) * (r.chance(0.3) ? 1000 : 1);
  const v = r.next() * 10 ** (r.int(50) - 25);
  return r.chance(0.3) ? -v : v;
}

export function genJson(r: Rng, depth: number): unknown {
  const c = r.int(depth > 0 ? 9 : 6);
  switch (c) {
    case 0:
    case 1:
      return r.pick(STRINGS);
    case 2:
      return genNumber(r);
    case 3:
      return r.chance(0.5);
    case 4:
      return null;
    case 5:
      return genNumber(r);
    case 6:
    case 7: {
      const n = r.int(5);
      return Array.from({ length: n }, () => genJson(r, depth - 1));
    }
    default:
      return genMap(r, depth - 1, r.int(4));
  }
}

function genMap(r: Rng, depth: number, size: number): Record<string, unknown> {
  const m: Record<string, unknown> = {};
  for (let i = 0; i < size; i++) m[r.pick(KEYS)] = genJson(r, depth);
  return m;
}

/** A data set shaped like Matchbox's template data: known keys with random JSON under them. */
export function genData(r: Rng): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const key of KEYS) if (r.chance(0.95)) data[key] = genJson(r, 2);
  if (r.chance(0.7)) data.s = r.pick(STRINGS);
  if (r.chance(0.7)) data.n = genNumber(r);
  if (r.chance(0.6)) data.l = Array.from({ length: r.int(6) }, () => genJson(r, 1));
  if (r.chance(0.6)) data.m = genMap(r, 1, 1 + r.int(4));
  if (r.chance(0.4)) data.nul = null;
  if (r.chance(0.4)) data.t = r.chance(0.5);
  return data;
}

const QUERY_KEYS = ["foo", "mac", "MAC", "os", "uuid", "FOO", "a b", "é"];
const QUERY_VALUES = ["some-param", "52-54-00-89-d8-10", "52:54:00:89:D8:10", "not-a-mac", "", "a+b", "%C3%A9", "x%20y", "1", "<&>", "%C3%28", "%FF", "a;b", "%zz"];

/** What Matchbox builds template data from: group metadata, selectors, and the request's raw query. */
export function genMatchboxInput(r: Rng): { metadata: Record<string, unknown> | null; selector: Record<string, string>; rawQuery: string } {
  const metadata = r.chance(0.1) ? null : genData(r);
  if (metadata && r.chance(0.2)) metadata.request = genJson(r, 1);
  if (metadata && r.chance(0.3)) metadata.os = r.pick(STRINGS);
  const selector: Record<string, string> = {};
  if (r.chance(0.7)) selector.mac = "52:54:00:89:d8:10";
  if (r.chance(0.3)) selector[r.pick(["os", "OS", "s", "Region"])] = r.pick(["flatcar", "", "x y"]);
  const pairs: string[] = [];
  for (let n = r.int(5); n > 0; n--) pairs.push(`${encodeURIComponent(r.pick(QUERY_KEYS))}=${r.pick(QUERY_VALUES)}`);
  if (r.chance(0.1)) pairs.push(r.pick(["flag", "=x", "a=1=2", "mac"]));
  return { metadata, selector, rawQuery: pairs.join("&") };
}

// --- templates -------------------------------------------------------------------

const TEXTS = ["a", " ", "\n", "x y", "\t", "é", "  \n  ", "-", "%", "a", " ", "\n", "x y", "\t", "é", "  \n  ", "-", "}", "{ "];
/** Integer literals stay small: `range` over an integer iterates that many times. */
const NUMBERS = [
  "0", "1", "-1", "3", "2.5", "1e3", "0x1F", "'a'", "1e6", "-0.0", "1_000", "0o17", "0b11", "017", "1e100", "1.5e-7",
  "0x1p-2", "'\\n'", "'é'", "+5", ".5", "2i", "1+2i", "-3", "-9223372036854775808", "1e21",
];
/** Large integers, used only as printf arguments. */
const PRINTF_NUMBERS = ["100000", "1234567", "9223372036854775807", "255", "0x10FFFF", "-255"];
const STRING_LITERALS = ['"a"', '""', '"x y"', "`r`", '"é✓"', '"<&>"', '"%d"', '"\\t"', '"\\x41"', '"\\u00e9"', '"s"', '"a" ', "`a\nb`"];
/** The names a template uses, for the data it is rendered with. */
export interface Vocabulary {
  fields: readonly string[];
  /** Fields that usually fail: missing keys, or fields of a list, string or nil. */
  riskyFields: readonly string[];
  /** Maps `index` looks up keys in, and the keys. */
  maps: readonly string[];
  keys: readonly string[];
  /** Leave out what Go added after 1.19 (`else with`, range over an integer) so an older Go can judge most templates. */
  go119?: boolean;
}

/** For genData's JSON data. */
export const JSON_VOCABULARY: Vocabulary = {
  fields: [".s", ".n", ".l", ".m", ".t", ".nul", ".a", ".b", ".e", ".u", ".big", ".f"],
  riskyFields: [".nope", ".m.a", ".m.s", ".m.l", ".m.nope", ".l.x", ".s.x", ".nul.x"],
  maps: [".", "$", ".m"],
  keys: ['"a"', '"s"', '"m"', '"l"', '"n"', '"nope"'],
};

/** For genMatchboxInput's data: metadata, selectors, and request.query (a map[string]string) with raw_query. */
export const MATCHBOX_VOCABULARY: Vocabulary = {
  fields: [
    ".s", ".n", ".l", ".m", ".t", ".nul", ".a", ".mac", ".os", ".request", ".request.query", ".request.raw_query",
    ".request.query.foo", ".request.query.mac", ".request.query.os", "$.request.query",
  ],
  riskyFields: [".nope", ".request.query.nope", ".request.query.foo.x", ".request.nope", ".m.nope", ".os.x", ".request.raw_query.x"],
  maps: [".", "$", ".request.query", "$.request.query", ".request", ".m"],
  keys: ['"foo"', '"mac"', '"os"', '"nope"', '""', '"query"', '"s"', '"FOO"'],
  go119: true,
};
const FUNCS = ["and", "or", "not", "len", "index", "slice", "print", "println", "html", "js", "urlquery", "eq", "ne", "lt", "le", "gt", "ge", "call"];
const VERBS = "vvvvddssqxXobeEfFgGtcUT%w";
const FLAGS = "#0+- ";

interface Ctx {
  vars: string[];
  inRange: boolean;
  defines: string[];
  depth: number;
}

export class TemplateGenerator {
  private blocks = 0;
  constructor(
    private readonly r: Rng,
    private readonly vocabulary: Vocabulary = JSON_VOCABULARY,
  ) {}

  template(): string {
    const ctx: Ctx = { vars: [], inRange: false, defines: [], depth: 0 };
    let out = "";
    if (this.r.chance(0.15)) {
      const name = this.r.pick(["t1", "t2"]);
      ctx.defines.push(name);
      out += `{{define "${name}"}}${this.list({ vars: [], inRange: false, defines: [], depth: 1 })}{{end}}`;
    }
    out += this.list(ctx);
    if (this.r.chance(0.08)) out = this.corrupt(out);
    return out;
  }

  private corrupt(s: string): string {
    const at = this.r.int(s.length + 1);
    if (this.r.chance(0.5) && s.length > 0) return s.slice(0, at) + s.slice(at + 1);
    return s.slice(0, at) + this.r.pick(["{", "}", "(", ")", "|", "$", ".", '"', "'", "`", " -", ":=", ",", "\n", "{{", "}}", "x"]) + s.slice(at);
  }

  private list(ctx: Ctx): string {
    let out = "";
    const n = 1 + this.r.int(ctx.depth > 2 ? 2 : 4);
    for (let i = 0; i < n; i++) out += this.item(ctx);
    return out;
  }

  private item(ctx: Ctx): string {
    const r = this.r;
    const c = r.int(10);
    if (c < 3) return r.pick(TEXTS);
    if (c < 6 || ctx.depth > 3) return this.action(ctx);
    if (c === 6 && r.chance(0.3)) return `{{${r.chance(0.5) ? "- " : ""}/* ${r.pick(["c", "x}}", ""])} */${r.chance(0.5) ? " -" : ""}}}`;
    return this.control(ctx);
  }

  private open(): string {
    return this.r.chance(0.2) ? "{{- " : "{{";
  }
  private close(): string {
    return this.r.chance(0.2) ? " -}}" : "}}";
  }

  private action(ctx: Ctx): string {
    const r = this.r;
    if (ctx.inRange && r.chance(0.1)) return r.chance(0.5) ? "{{break}}" : "{{continue}}";
    if (ctx.defines.length > 0 && r.chance(0.15)) {
      return `{{template "${r.pick(ctx.defines)}"${r.chance(0.7) ? " " + this.pipeline(ctx, 0) : ""}}}`;
    }
    if (r.chance(0.15)) {
      const name = `$v${r.int(3)}`;
      const assign = ctx.vars.includes(name) && r.chance(0.5);
      const text = `${this.open()}${name} ${assign ? "=" : ":="} ${this.pipeline(ctx, 0)}${this.close()}`;
      if (!ctx.vars.includes(name)) ctx.vars.push(name);
      return text;
    }
    return `${this.open()}${this.pipeline(ctx, 0)}${this.close()}`;
  }

  private control(ctx: Ctx): string {
    const r = this.r;
    const inner = (extra: Partial<Ctx> = {}): Ctx => ({ ...ctx, vars: [...ctx.vars], depth: ctx.depth + 1, ...extra });
    const kind = r.pick(["if", "if", "with", "range", "range", "block"]);
    if (kind === "block") {
      // Mostly fresh names; a reused one is a "multiple definition" error in Go.
      const name = r.chance(0.97) ? `b${this.blocks++}` : "b0";
      return `{{block "${name}" ${this.pipeline(ctx, 0)}}}${this.list({ vars: [], inRange: false, defines: [], depth: ctx.depth + 1 })}{{end}}`;
    }
    let head: string;
    const body = inner(kind === "range" ? { inRange: true } : {});
    if (kind === "range") {
      const form = r.int(5);
      const source = !this.vocabulary.go119 && r.chance(0.15) ? r.pick(["3", "0", "-1", "'a'"]) : this.pipeline(ctx, 0);
      if (form === 0) {
        body.vars.push("$i", "$e");
        head = `range $i, $e := ${source}`;
      } else if (form === 1) {
        body.vars.push("$e");
        head = `range $e := ${source}`;
      } else head = `range ${source}`;
    } else if (r.chance(0.2)) {
      body.vars.push("$w");
      head = `${kind} $w := ${this.pipeline(ctx, 0)}`;
    } else {
      head = `${kind} ${this.pipeline(ctx, 0)}`;
    }
    let out = `${this.open()}${head}${this.close()}${this.list(body)}`;
    const elseCtx = inner();
    if (kind !== "range" && (kind === "if" || !this.vocabulary.go119) && r.chance(0.25)) {
      out += `{{else ${kind} ${this.pipeline(ctx, 0)}}}${this.list(inner())}`;
    }
    if (r.chance(0.4)) out += `${this.open()}else${this.close()}${this.list(elseCtx)}`;
    return out + `${this.open()}end${this.close()}`;
  }

  pipeline(ctx: Ctx, depth: number): string {
    const r = this.r;
    let out = this.command(ctx, depth);
    if (r.chance(0.15)) out += " | " + this.pipeTarget(ctx, depth);
    return out;
  }

  private pipeTarget(ctx: Ctx, depth: number): string {
    const r = this.r;
    if (r.chance(0.3)) return `printf ${this.format()}${this.args(ctx, depth, r.int(2))}`;
    const fn = r.pick(FUNCS);
    return fn + this.args(ctx, depth, r.int(3));
  }

  private command(ctx: Ctx, depth: number): string {
    const r = this.r;
    const c = r.int(10);
    if (c < 4) return this.operand(ctx, depth);
    if (c < 6) return `printf ${this.format()}${this.printfArgs(ctx, depth, r.int(4))}`;
    const fn = r.pick(FUNCS);
    const arity = fn === "not" || fn === "len" ? 1 : ["ne", "lt", "le", "gt", "ge"].includes(fn) ? 2 : 1 + r.int(3);
    return fn + this.args(ctx, depth, r.chance(0.9) ? arity : r.int(4));
  }

  private printfArgs(ctx: Ctx, depth: number, n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += " " + (this.r.chance(0.2) ? this.r.pick(PRINTF_NUMBERS) : this.operand(ctx, depth + 1));
    return out;
  }

  private args(ctx: Ctx, depth: number, n: number): string {
    let out = "";
    for (let i = 0; i < n; i++) out += " " + this.operand(ctx, depth + 1);
    return out;
  }

  private operand(ctx: Ctx, depth: number): string {
    const r = this.r;
    const c = r.int(20);
    const { fields, riskyFields, maps, keys } = this.vocabulary;
    if (c < 6) return r.chance(0.8) ? r.pick(fields) : r.pick(riskyFields);
    if (c < 8) return r.pick(NUMBERS);
    if (c < 10) return r.pick(STRING_LITERALS).trim();
    if (c === 10) return r.pick(["true", "false", "nil"]);
    if (c === 11) return r.chance(0.5) ? "." : "$";
    if (c === 12) return r.pick(["$.s", "$.m.a", "$.l", "$.nope"]);
    if (c === 13 && ctx.vars.length > 0) return r.pick(ctx.vars) + (r.chance(0.3) ? r.pick([".a", ".s", ".x"]) : "");
    if (c === 14 && depth < 3) return `(${this.pipeline(ctx, depth + 1)})${r.chance(0.2) ? r.pick([".a", ".s", ".m"]) : ""}`;
    if (c === 15) return `"${r.pick(["a", "s", "l", "m", "nope", "n"])}"`;
    if (depth < 3) {
      // Mostly well-typed keys (strings for maps, small ints for lists and strings), sometimes not.
      if (r.chance(0.25)) return `(index ${r.pick([".", ".m", ".l", ".s", "$"])} ${r.pick(['"a"', '"nope"', "0", "-1", "1.0", "nil"])})`;
      if (r.chance(0.5)) return `(index ${r.pick(maps)} ${r.pick(keys)})`;
      return `(index ${r.pick([".l", ".s", ".m.l"])} ${r.pick(["0", "1", "2"])})`;
    }
    return r.pick(fields);
  }

  format(): string {
    const r = this.r;
    let f = "";
    const parts = 1 + r.int(3);
    for (let i = 0; i < parts; i++) {
      if (r.chance(0.4)) f += r.pick(["a", " ", "|", "x=", "é"]);
      let spec = "%";
      for (let k = r.int(3); k > 0; k--) spec += FLAGS[r.int(FLAGS.length)];
      if (r.chance(0.1)) spec += `[${1 + r.int(3)}]`;
      if (r.chance(0.3)) spec += r.chance(0.1) ? "*" : String(r.int(12));
      if (r.chance(0.3)) spec += "." + (r.chance(0.1) ? "*" : String(r.int(8)));
      spec += VERBS[r.int(VERBS.length)];
      f += spec;
    }
    if (r.chance(0.05)) f += "%";
    return JSON.stringify(f);
  }
}
