/**
 * The Go values a template sees, modelled on JSON data as Go's encoding/json
 * decodes it into interface{}:
 *
 *   JS null / undefined → nil            JS number → float64
 *   JS string → string                   JS boolean → bool
 *   JS array → []interface {}            plain object → map[string]interface {}
 *   bigint → int (template constants, len, range indices)
 *   GoUint8 → uint8 (a byte from `index` on a string)
 *   StringMap → map[string]string (Matchbox's request.query)
 */
import { formatGoFloat } from "./floatfmt.js";

export { formatGoFloat };

export class GoUint8 {
  constructor(readonly value: number) {}
}

/** A complex128 template constant such as 1+2i. */
export class GoComplex {
  constructor(
    readonly re: number,
    readonly im: number,
  ) {}
}

export type GoMap = { [key: string]: unknown };

/**
 * A Go map[string]string. Its elements are strings, not interface values: a
 * missing key reads as "" through `index`, a field of an element is a field
 * of a string, and %T / %#v name the type.
 */
export class StringMap {
  private readonly entries: ReadonlyMap<string, string>;
  private sorted: string[] | undefined;

  constructor(entries: Iterable<readonly [string, string]>) {
    this.entries = new Map(entries);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): string | undefined {
    return this.entries.get(key);
  }

  /** Keys in the order Go's fmt and range use. */
  keys(): readonly string[] {
    this.sorted ??= [...this.entries.keys()].sort(compareGoStrings);
    return this.sorted;
  }
}

/** A map of either type: map[string]interface {} (a plain object) or map[string]string. */
export type AnyMap = GoMap | StringMap;

const objectKeys = new WeakMap<GoMap, string[]>();

/** The keys of a map in the order Go's fmt and range use: sorted (computed once per map). */
export function sortedKeys(m: AnyMap): readonly string[] {
  if (m instanceof StringMap) return m.keys();
  let keys = objectKeys.get(m);
  if (!keys) {
    keys = Object.keys(m).sort(compareGoStrings);
    objectKeys.set(m, keys);
  }
  return keys;
}

export function mapSize(m: AnyMap): number {
  return sortedKeys(m).length;
}

/** The element under key, or undefined when the map has no such key. */
export function mapLookup(m: AnyMap, key: string): { value: unknown } | undefined {
  if (m instanceof StringMap) {
    const value = m.get(key);
    return value === undefined ? undefined : { value };
  }
  return Object.hasOwn(m, key) ? { value: m[key] } : undefined;
}

export type Kind = "nil" | "bool" | "string" | "float64" | "int" | "uint8" | "complex128" | "slice" | "map";

export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case "string":
      return "string";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "bigint":
      return "int";
    case "object":
      if (v === null) return "nil";
      if (Array.isArray(v)) return "slice";
      if (v instanceof GoUint8) return "uint8";
      if (v instanceof GoComplex) return "complex128";
      return "map";
    default:
      return "nil";
  }
}

/** Go's %T of a value. */
export function goTypeName(v: unknown): string {
  switch (kindOf(v)) {
    case "nil":
      return "<nil>";
    case "slice":
      return "[]interface {}";
    case "map":
      return v instanceof StringMap ? "map[string]string" : "map[string]interface {}";
    default:
      return kindOf(v);
  }
}

const sizes = new WeakMap<object, number>();

/**
 * What printing or scanning a value costs, in characters: a string's length, a
 * number's longest %v form, a list's or map's elements and keys all the way
 * down (computed once per value; template data never changes during an
 * execution).
 */
export function deepSize(v: unknown): number {
  switch (typeof v) {
    case "string":
      return v.length;
    case "number":
    case "bigint":
      return 24;
    case "object":
      break;
    default:
      return 5;
  }
  if (v === null) return 5;
  if (v instanceof GoUint8) return 3;
  if (v instanceof GoComplex) return 50;
  const known = sizes.get(v);
  if (known !== undefined) return known;
  let size = 1;
  if (Array.isArray(v)) {
    for (const e of v) size += deepSize(e);
  } else if (v instanceof StringMap || kindOf(v) === "map") {
    const m = v as AnyMap;
    for (const k of sortedKeys(m)) size += k.length + deepSize(mapLookup(m, k)!.value);
  }
  sizes.set(v, size);
  return size;
}

/** The truth of a value as `if`, `with`, `and`, `or` and `not` see it. */
export function isTrue(v: unknown): boolean {
  switch (kindOf(v)) {
    case "nil":
      return false;
    case "bool":
      return v as boolean;
    case "string":
      return (v as string).length > 0;
    case "float64":
      return (v as number) !== 0;
    case "int":
      return (v as bigint) !== 0n;
    case "uint8":
      return (v as GoUint8).value !== 0;
    case "complex128":
      return (v as GoComplex).re !== 0 || (v as GoComplex).im !== 0;
    case "slice":
      return (v as unknown[]).length > 0;
    case "map":
      return mapSize(v as AnyMap) > 0;
  }
}

/** Go compares strings by their UTF-8 bytes, which is code point order. */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    if (ca >= 0xd800 && cb >= 0xd800) {
      const pa = a.codePointAt(i)!;
      const pb = b.codePointAt(i)!;
      if (pa !== pb) return pa < pb ? -1 : 1;
      continue;
    }
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Go's fmt %v (and %+v, the same for these kinds) of a value nested in a larger one. */
export function formatValueV(v: unknown): string {
  switch (kindOf(v)) {
    case "nil":
      return "<nil>";
    case "bool":
      return v ? "true" : "false";
    case "string":
      return v as string;
    case "float64":
      return formatGoFloat(v as number);
    case "int":
      return (v as bigint).toString();
    case "uint8":
      return String((v as GoUint8).value);
    case "complex128": {
      const c = v as GoComplex;
      const im = formatGoFloat(c.im);
      return "(" + formatGoFloat(c.re) + (im[0] === "-" || im[0] === "+" ? im : "+" + im) + "i)";
    }
    case "slice":
      return "[" + (v as unknown[]).map(formatValueV).join(" ") + "]";
    case "map": {
      const m = v as AnyMap;
      return "map[" + sortedKeys(m).map((k) => k + ":" + formatValueV(mapLookup(m, k)!.value)).join(" ") + "]";
    }
  }
}

/**
 * A value printed the way a template action prints it: Go's %v, except that a
 * top-level nil prints as `<no value>`.
 */
export function goPrint(value: unknown): string {
  if (kindOf(value) === "nil") return "<no value>";
  return formatValueV(value);
}
