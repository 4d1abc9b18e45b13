/**
 * Go's text/template built-in functions (all but and/or/call, which the
 * executor evaluates specially). A function throws FuncError with Go's text;
 * the executor reports it as `error calling NAME: TEXT`.
 */
import { FmtLimitError, sprint, sprintf, sprintln } from "./gofmt.js";
import { isAscii, isEscapedByte, utf8Bytes, utf8Decode, utf8Length } from "./bytestring.js";
import { isPrint } from "./goquote.js";
import { Iface, type Val, element, indirectInterface, isNilKind, sliceCap, sliceList, toAny } from "./reflect.js";
import { type AnyMap, GoComplex, GoUint8, StringMap, compareGoStrings, goTypeName, isTrue, kindOf, mapLookup, mapSize } from "./value.js";

export class FuncError extends Error {}

/** How an argument is passed: as reflect.Value, as `any`, or as a string. */
export type ArgType = "value" | "any" | "string";

export interface BuiltinSignature {
  fixed: ArgType[];
  variadic: ArgType | null;
}

export const SIGNATURES: Record<string, BuiltinSignature> = {
  and: { fixed: ["value"], variadic: "value" },
  or: { fixed: ["value"], variadic: "value" },
  call: { fixed: ["value"], variadic: "value" },
  html: { fixed: [], variadic: "any" },
  js: { fixed: [], variadic: "any" },
  urlquery: { fixed: [], variadic: "any" },
  print: { fixed: [], variadic: "any" },
  println: { fixed: [], variadic: "any" },
  printf: { fixed: ["string"], variadic: "any" },
  index: { fixed: ["value"], variadic: "value" },
  slice: { fixed: ["value"], variadic: "value" },
  len: { fixed: ["value"], variadic: null },
  not: { fixed: ["value"], variadic: null },
  eq: { fixed: ["value"], variadic: "value" },
  ne: { fixed: ["value", "value"], variadic: null },
  lt: { fixed: ["value", "value"], variadic: null },
  le: { fixed: ["value", "value"], variadic: null },
  gt: { fixed: ["value", "value"], variadic: null },
  ge: { fixed: ["value", "value"], variadic: null },
};

export function truth(v: Val): boolean {
  const c = indirectInterface(v);
  return c === undefined ? false : isTrue(c);
}

/** indirect: the value inside an interface, and whether that interface was nil. */
function indirect(v: Val): { v: Val; isNil: boolean } {
  if (v instanceof Iface) {
    if (v.v === null || v.v === undefined) return { v, isNil: true };
    return { v: v.v, isNil: false };
  }
  return { v, isNil: false };
}

// --- indexing ----------------------------------------------------------------

function indexArg(index: Val, cap: number): number {
  let x: bigint;
  if (index instanceof Iface) throw new FuncError("cannot index slice/array with type interface {}");
  const k = index === undefined ? "invalid" : kindOf(index);
  if (k === "int") x = index as bigint;
  else if (k === "uint8") x = BigInt((index as GoUint8).value);
  else if (k === "invalid") throw new FuncError("cannot index slice/array with nil");
  else throw new FuncError(`cannot index slice/array with type ${goTypeName(index)}`);
  if (x < 0n || x > BigInt(cap)) throw new FuncError(`index out of range: ${x}`);
  return Number(x);
}

function mapKey(index: Val): string {
  if (index === undefined) throw new FuncError("value is nil; should be of type string");
  if (typeof index === "string") return index;
  throw new FuncError(`value has type ${goTypeName(index)}; should be string`);
}

function index(item: Val, indexes: Val[]): Val {
  item = indirectInterface(item);
  if (item === undefined) throw new FuncError("index of untyped nil");
  for (let idx of indexes) {
    idx = indirectInterface(idx);
    const ind = indirect(item);
    if (ind.isNil) throw new FuncError("index of nil pointer");
    item = ind.v;
    switch (kindOf(item)) {
      case "slice": {
        const list = item as unknown[];
        const x = indexArg(idx, list.length);
        if (x === list.length) throw new FuncError("reflect: slice index out of range");
        item = element(list[x]);
        break;
      }
      case "string": {
        const text = item as string;
        const bytes = isAscii(text) ? null : utf8Bytes(text);
        const length = bytes ? bytes.length : text.length;
        const x = indexArg(idx, length);
        if (x === length) throw new FuncError("reflect: string index out of range");
        item = new GoUint8(bytes ? bytes[x]! : text.charCodeAt(x));
        break;
      }
      case "map": {
        // A missing key gives the element type's zero value: nil for interface {}, "" for string.
        const m = item as AnyMap;
        const found = mapLookup(m, mapKey(idx));
        if (m instanceof StringMap) item = found ? found.value : "";
        else item = element(found ? found.value : null);
        break;
      }
      default:
        throw new FuncError(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function slice(item: Val, indexes: Val[]): Val {
  item = indirectInterface(item);
  if (item === undefined) throw new FuncError("slice of untyped nil");
  if (indexes.length > 3) throw new FuncError(`too many slice indexes: ${indexes.length}`);
  const kind = kindOf(item);
  let cap: number;
  let len: number;
  let bytes: Uint8Array | null = null;
  let ascii = false;
  if (kind === "string") {
    if (indexes.length === 3) throw new FuncError("cannot 3-index slice a string");
    ascii = isAscii(item as string);
    if (!ascii) bytes = utf8Bytes(item as string);
    cap = len = ascii ? (item as string).length : bytes!.length;
  } else if (kind === "slice") {
    len = (item as unknown[]).length;
    cap = sliceCap(item as unknown[]);
  } else {
    throw new FuncError(`can't slice item of type ${goTypeName(item)}`);
  }
  const idx = [0, len, 0];
  // Unlike index, slice does not look inside interface values given as indexes.
  indexes.forEach((v, i) => {
    idx[i] = indexArg(v, cap);
  });
  if (idx[0]! > idx[1]!) throw new FuncError(`invalid slice index: ${idx[0]} > ${idx[1]}`);
  if (ascii) return (item as string).slice(idx[0], idx[1]);
  if (bytes !== null) return utf8Decode(bytes.subarray(idx[0], idx[1]));
  if (indexes.length < 3) return sliceList(item as unknown[], idx[0]!, idx[1]!);
  if (idx[1]! > idx[2]!) throw new FuncError(`invalid slice index: ${idx[1]} > ${idx[2]}`);
  return sliceList(item as unknown[], idx[0]!, idx[1]!, idx[2]!);
}

function length(item: Val): bigint {
  const ind = indirect(item);
  if (ind.isNil) throw new FuncError("len of nil pointer");
  const v = ind.v;
  if (v === undefined) throw new FuncError("reflect: call of reflect.Value.Type on zero Value");
  switch (kindOf(v)) {
    case "slice":
      return BigInt((v as unknown[]).length);
    case "map":
      return BigInt(mapSize(v as AnyMap));
    case "string":
      return BigInt(utf8Length(v as string));
    default:
      throw new FuncError(`len of type ${goTypeName(v)}`);
  }
}

// --- comparison --------------------------------------------------------------

type BasicKind = "invalid" | "bool" | "complex" | "int" | "float" | "string" | "uint";

function basicKind(v: Val): BasicKind {
  if (v === undefined) return "invalid";
  switch (kindOf(v)) {
    case "bool":
      return "bool";
    case "int":
      return "int";
    case "uint8":
      return "uint";
    case "float64":
      return "float";
    case "complex128":
      return "complex";
    case "string":
      return "string";
    default:
      return "invalid";
  }
}

const BAD_COMPARISON_TYPE = "invalid type for comparison";

function intOf(v: Val): bigint {
  return kindOf(v) === "uint8" ? BigInt((v as GoUint8).value) : (v as bigint);
}

function reflectKind(v: Val): string {
  return v === undefined ? "invalid" : kindOf(v);
}

function eq(arg1: Val, rest: Val[]): boolean {
  arg1 = indirectInterface(arg1);
  if (rest.length === 0) throw new FuncError("missing argument for comparison");
  const k1 = basicKind(arg1);
  for (let arg of rest) {
    arg = indirectInterface(arg);
    const k2 = basicKind(arg);
    let result = false;
    if (k1 !== k2) {
      if (k1 === "int" && k2 === "uint") result = intOf(arg1) >= 0n && intOf(arg1) === intOf(arg);
      else if (k1 === "uint" && k2 === "int") result = intOf(arg) >= 0n && intOf(arg1) === intOf(arg);
      else if (arg1 !== undefined && arg !== undefined) {
        throw new FuncError(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg)}`);
      }
    } else {
      switch (k1) {
        case "bool":
        case "string":
          result = arg1 === arg;
          break;
        case "float":
          result = (arg1 as number) === (arg as number);
          break;
        case "int":
        case "uint":
          result = intOf(arg1) === intOf(arg);
          break;
        case "complex":
          result = (arg1 as GoComplex).re === (arg as GoComplex).re && (arg1 as GoComplex).im === (arg as GoComplex).im;
          break;
        default: {
          const r1 = reflectKind(arg1);
          const r2 = reflectKind(arg);
          if (r1 !== r2 && r1 !== "invalid" && r2 !== "invalid" && r1 !== "nil" && r2 !== "nil") {
            throw new FuncError(
              sprintf("non-comparable types %s: %v, %s: %v", [toAny(arg1), goTypeName(arg1), goTypeName(arg), toAny(arg)]),
            );
          }
          if (isNilKind(arg1) || isNilKind(arg)) result = isNilKind(arg1) === isNilKind(arg);
          else throw new FuncError(sprintf("non-comparable type %s: %v", [toAny(arg), goTypeName(arg)]));
        }
      }
    }
    if (result) return true;
  }
  return false;
}

function lt(arg1: Val, arg2: Val): boolean {
  arg1 = indirectInterface(arg1);
  const k1 = basicKind(arg1);
  if (k1 === "invalid") throw new FuncError(BAD_COMPARISON_TYPE);
  arg2 = indirectInterface(arg2);
  const k2 = basicKind(arg2);
  if (k2 === "invalid") throw new FuncError(BAD_COMPARISON_TYPE);
  if (k1 !== k2) {
    if (k1 === "int" && k2 === "uint") return intOf(arg1) < 0n || intOf(arg1) < intOf(arg2);
    if (k1 === "uint" && k2 === "int") return intOf(arg2) >= 0n && intOf(arg1) < intOf(arg2);
    throw new FuncError(`incompatible types for comparison: ${goTypeName(arg1)} and ${goTypeName(arg2)}`);
  }
  switch (k1) {
    case "bool":
    case "complex":
      throw new FuncError(BAD_COMPARISON_TYPE);
    case "float":
      return (arg1 as number) < (arg2 as number);
    case "string":
      return compareGoStrings(arg1 as string, arg2 as string) < 0;
    default:
      return intOf(arg1) < intOf(arg2);
  }
}

function le(a: Val, b: Val): boolean {
  return lt(a, b) || eq(a, [b]);
}

// --- escaping ----------------------------------------------------------------

/** evalArgs: Sprint of the arguments, a nil argument printing as <no value>. */
function evalArgs(args: unknown[], limit: number): string {
  if (args.length === 1 && typeof args[0] === "string") return bounded(args[0], limit);
  return sprint(
    args.map((a) => (kindOf(a) === "nil" ? "<no value>" : a)),
    limit,
  );
}

/** An escaped result, refused when it outgrew the limit. */
function bounded(s: string, limit: number): string {
  if (s.length > limit) throw new FmtLimitError(limit);
  return s;
}

const HTML_ESCAPES: Record<string, string> = {
  "\0": "\ufffd",
  '"': "&#34;",
  "'": "&#39;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
};

export function htmlEscape(s: string): string {
  return s.replace(/[\0"'&<>]/g, (c) => HTML_ESCAPES[c]!);
}

const JS_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "<": "\\u003C",
  ">": "\\u003E",
  "&": "\\u0026",
  "=": "\\u003D",
};

/** Runes JSEscapeString may change: the escaped ASCII, controls, and anything not ASCII. */
const JS_SPECIAL = /[\\'"<>&=\x00-\x1f]|[^\x00-\x7f]/gu;

export function jsEscape(s: string): string {
  return s.replace(JS_SPECIAL, (ch) => {
    const known = JS_ESCAPES[ch];
    if (known !== undefined) return known;
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20) return "\\u00" + cp.toString(16).toUpperCase().padStart(2, "0");
    if (isPrint(cp) || isEscapedByte(cp)) return ch;
    return "\\u" + cp.toString(16).toUpperCase().padStart(4, "0");
  });
}

/** What encodeURIComponent leaves alone but url.QueryEscape escapes, and the space it writes as "+". */
const QUERY_FIXUPS = /%20|[!'()*]/g;

export function urlQueryEscape(s: string): string {
  if (!LONE_SURROGATE.test(s)) {
    return encodeURIComponent(s).replace(QUERY_FIXUPS, (c) => (c === "%20" ? "+" : "%" + c.charCodeAt(0).toString(16).toUpperCase()));
  }
  let out = "";
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** encodeURIComponent refuses these; they are the bytes that are not UTF-8 (bytestring.ts). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// --- dispatch ----------------------------------------------------------------

/**
 * Call a builtin (not and/or/call) with arguments already converted to its
 * parameter types. A string it builds may not exceed `limit` characters
 * (FmtLimitError).
 */
export function callBuiltin(name: string, args: Val[], limit = Infinity): Val {
  switch (name) {
    case "html":
      return bounded(htmlEscape(evalArgs(args, limit)), limit);
    case "js":
      return bounded(jsEscape(evalArgs(args, limit)), limit);
    case "urlquery":
      return bounded(urlQueryEscape(evalArgs(args, limit)), limit);
    case "print":
      return sprint(args, limit);
    case "println":
      return sprintln(args, limit);
    case "printf":
      return sprintf(args[0] as string, args.slice(1), limit);
    case "index":
      return index(args[0], args.slice(1));
    case "slice":
      return slice(args[0], args.slice(1));
    case "len":
      return length(args[0]);
    case "not":
      return !truth(args[0]);
    case "eq":
      return eq(args[0], args.slice(1));
    case "ne":
      return !eq(args[0], [args[1]]);
    case "lt":
      return lt(args[0], args[1]);
    case "le":
      return le(args[0], args[1]);
    case "gt":
      return !le(args[0], args[1]);
    case "ge":
      return !lt(args[0], args[1]);
    default:
      throw new FuncError(`unknown function ${name}`);
  }
}

