/**
 * Numeric constants in templates, parsed the way Go's parse.NumberNode does:
 * the value is kept under every type (int64, uint64, float64, complex128) that
 * can represent it, using strconv's base-prefix, underscore and float rules.
 */
import { goQuote, unquoteChar } from "./goquote.js";

export interface NumberValue {
  isInt: boolean;
  isUint: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int64: bigint;
  uint64: bigint;
  float64: number;
  re: number;
  im: number;
}

export class NumberSyntaxError extends Error {}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

/** strconv's underscoreOK: underscores only between digits or after a base prefix. */
function underscoreOK(s: string): boolean {
  let saw = "^";
  let i = 0;
  if (s.length >= 1 && (s[0] === "-" || s[0] === "+")) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === "0" && "bBoOxX".includes(s[1]!)) {
    i = 2;
    saw = "0";
    hex = s[1] === "x" || s[1] === "X";
  }
  for (; i < s.length; i++) {
    const c = s[i]!;
    if ((c >= "0" && c <= "9") || (hex && /[a-fA-F]/.test(c))) {
      saw = "0";
      continue;
    }
    if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
      continue;
    }
    if (saw === "_") return false;
    saw = "!";
  }
  return saw !== "_";
}

/** strconv.ParseUint(s, 0, 64); null on any error. */
function parseUint0(s: string): bigint | null {
  if (s.length === 0) return null;
  const s0 = s;
  let base = 10;
  if (s[0] === "0") {
    if (s.length >= 3 && (s[1] === "b" || s[1] === "B")) {
      base = 2;
      s = s.slice(2);
    } else if (s.length >= 3 && (s[1] === "o" || s[1] === "O")) {
      base = 8;
      s = s.slice(2);
    } else if (s.length >= 3 && (s[1] === "x" || s[1] === "X")) {
      base = 16;
      s = s.slice(2);
    } else {
      base = 8;
      s = s.slice(1);
    }
  }
  let n = 0n;
  let underscores = false;
  const b = BigInt(base);
  for (const c of s) {
    if (c === "_") {
      underscores = true;
      continue;
    }
    const d = parseInt(c, 36);
    if (Number.isNaN(d) || d >= base) return null;
    n = n * b + BigInt(d);
    if (n > MAX_UINT64) return null;
  }
  if (underscores && !underscoreOK(s0)) return null;
  return n;
}

/** strconv.ParseInt(s, 0, 64); null on any error. */
function parseInt0(s: string): bigint | null {
  if (s.length === 0) return null;
  let neg = false;
  let body = s;
  if (s[0] === "+" || s[0] === "-") {
    neg = s[0] === "-";
    body = s.slice(1);
  }
  const u = parseUint0(body);
  if (u === null) return null;
  const v = neg ? -u : u;
  if (v > MAX_INT64 || v < MIN_INT64) return null;
  return v;
}

/** strconv.ParseFloat(s, 64) for the forms the lexer can produce; null on error or overflow. */
export function parseGoFloat(s: string): number | null {
  let body = s;
  let sign = 1;
  if (body[0] === "+" || body[0] === "-") {
    if (body[0] === "-") sign = -1;
    body = body.slice(1);
  }
  if (body.includes("_")) {
    if (!underscoreOK(s)) return null;
    body = body.replace(/_/g, "");
  }
  let value: number;
  const hex = /^0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?[0-9]+)$/.exec(body);
  if (hex) {
    const intPart = hex[1]!;
    const frac = hex[2] ?? "";
    if (intPart.length + frac.length === 0) return null;
    const mant = BigInt("0x" + (intPart + frac || "0"));
    const exp = Number(hex[3]) - 4 * frac.length;
    value = Number(mant) * 2 ** exp;
    if (!Number.isFinite(value) && mant !== 0n) {
      value = Number(mant) * 2 ** Math.floor(exp / 2) * 2 ** Math.ceil(exp / 2);
    }
  } else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) {
    value = Number(body);
  } else {
    return null;
  }
  if (!Number.isFinite(value)) return null;
  return sign * value;
}

function fromFloat(v: NumberValue, f: number): void {
  if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
    v.isInt = true;
    v.int64 = BigInt(f);
  }
  if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) {
    v.isUint = true;
    v.uint64 = BigInt(f);
  }
}

function emptyValue(): NumberValue {
  return { isInt: false, isUint: false, isFloat: false, isComplex: false, int64: 0n, uint64: 0n, float64: 0, re: 0, im: 0 };
}

function simplifyComplex(v: NumberValue): void {
  v.isFloat = v.im === 0;
  if (v.isFloat) {
    v.float64 = v.re;
    fromFloat(v, v.re);
  }
}

/**
 * fmt.Sscan of a complex token "a+bi" / "a-bi" (the sign must not belong to an
 * exponent), with fmt's and strconv's error texts.
 */
function parseComplex(text: string): [number, number] {
  for (let i = text.length - 2; i > 0; i--) {
    const c = text[i];
    if ((c === "+" || c === "-") && !/[eEpP]/.test(text[i - 1]!)) {
      const realText = text.slice(0, i);
      const imagText = text.slice(i, -1);
      if (imagText.length < 2) break;
      const re = parseGoFloat(realText);
      if (re === null) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${goQuote(realText)}: invalid syntax`);
      const im = parseGoFloat(imagText);
      if (im === null) throw new NumberSyntaxError(`strconv.ParseFloat: parsing ${goQuote(imagText)}: invalid syntax`);
      return [re, im];
    }
  }
  throw new NumberSyntaxError("syntax error scanning complex number");
}

/** parse.NumberNode's value for a number, character or complex token. */
export function parseNumber(text: string, kind: "number" | "char" | "complex"): NumberValue {
  const v = emptyValue();
  if (kind === "char") {
    let c;
    try {
      c = unquoteChar(text.slice(1), "'");
    } catch {
      throw new NumberSyntaxError("invalid syntax");
    }
    if (c.tail !== "'") throw new NumberSyntaxError(`malformed character constant: ${text}`);
    v.isInt = v.isUint = v.isFloat = true;
    v.int64 = v.uint64 = BigInt(c.value);
    v.float64 = c.value;
    return v;
  }
  if (kind === "complex") {
    v.isComplex = true;
    [v.re, v.im] = parseComplex(text);
    simplifyComplex(v);
    return v;
  }
  if (text.endsWith("i")) {
    const f = parseGoFloat(text.slice(0, -1));
    if (f !== null) {
      v.isComplex = true;
      v.re = 0;
      v.im = f;
      simplifyComplex(v);
      return v;
    }
  }
  const u = parseUint0(text);
  if (u !== null) {
    v.isUint = true;
    v.uint64 = u;
  }
  const i = parseInt0(text);
  if (i !== null) {
    v.isInt = true;
    v.int64 = i;
    if (i === 0n) {
      v.isUint = true;
      v.uint64 = u ?? 0n;
    }
  }
  if (v.isInt) {
    v.isFloat = true;
    v.float64 = Number(v.int64);
  } else if (v.isUint) {
    v.isFloat = true;
    v.float64 = Number(v.uint64);
  } else {
    const f = parseGoFloat(text);
    if (f !== null) {
      if (!/[.eEpP]/.test(text)) throw new NumberSyntaxError(`integer overflow: ${goQuote(text)}`);
      v.isFloat = true;
      v.float64 = f;
      fromFloat(v, f);
    }
  }
  if (!v.isInt && !v.isUint && !v.isFloat) throw new NumberSyntaxError(`illegal number syntax: ${goQuote(text)}`);
  return v;
}

