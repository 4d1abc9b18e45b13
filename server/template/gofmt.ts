/**
 * Go's fmt.Sprint, Sprintln and Sprintf for the value kinds a template over
 * JSON data can hold (see value.ts): verbs, flags, width, precision, argument
 * indexes, and Go's error forms (%!d(float64=3), %!s(MISSING), %!(EXTRA …)).
 */
import { type FloatFormat, formatFloat } from "./floatfmt.js";
import { canBackquote, goQuote, goQuoteRune, isPrint, utf8Bytes } from "./goquote.js";
import { type AnyMap, GoComplex, GoUint8, StringMap, goTypeName, kindOf, mapLookup, sortedKeys } from "./value.js";

const LDIGITS = "0123456789abcdefx";
const UDIGITS = "0123456789ABCDEFX";
const MAX_RUNE = 0x10ffff;
const UINT64_MASK = (1n << 64n) - 1n;

function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function runeString(cp: bigint): string {
  if (cp < 0n || cp > BigInt(MAX_RUNE)) return "\ufffd";
  const n = Number(cp);
  if (n >= 0xd800 && n <= 0xdfff) return "\ufffd";
  return String.fromCodePoint(n);
}

/** A result would grow past the limit a caller gave: thrown before the bytes are built. */
export class FmtLimitError extends Error {
  constructor(readonly limit: number) {
    super(`result would be larger than the limit of ${limit} bytes`);
  }
}

/**
 * Go accepts widths and precisions up to about ten million; a result is bounded
 * by the caller's limit instead, checked before padding or digits are made.
 */
class Printer {
  out = "";
  constructor(private readonly limit: number) {}

  /** Fails unless n more characters fit (a character is at least one byte). */
  reserve(n: number): void {
    if (this.out.length + n > this.limit) throw new FmtLimitError(this.limit);
  }
  // flags
  plus = false;
  minus = false;
  sharp = false;
  space = false;
  zero = false;
  plusV = false;
  sharpV = false;
  wid = 0;
  prec = 0;
  widPresent = false;
  precPresent = false;
  // the argument being printed, for %!verb(type=value)
  private arg: unknown = null;
  private argIsTop = false;
  reordered = false;
  goodArgNum = true;

  clearFlags(): void {
    this.plus = this.minus = this.sharp = this.space = this.zero = false;
    this.plusV = this.sharpV = false;
    this.wid = this.prec = 0;
    this.widPresent = this.precPresent = false;
  }

  // --- padding -------------------------------------------------------------

  private writePadding(n: number): void {
    if (n <= 0) return;
    this.reserve(n);
    this.out += (this.zero && !this.minus ? "0" : " ").repeat(n);
  }

  pad(s: string): void {
    if (!this.widPresent || this.wid === 0) {
      this.out += s;
      return;
    }
    const width = this.wid - runeCount(s);
    if (!this.minus) {
      this.writePadding(width);
      this.out += s;
    } else {
      this.out += s;
      this.writePadding(width);
    }
  }

  private truncate(s: string): string {
    if (!this.precPresent) return s;
    let n = this.prec;
    let i = 0;
    for (const ch of s) {
      n--;
      if (n < 0) return s.slice(0, i);
      i += ch.length;
    }
    return s;
  }

  // --- strings -------------------------------------------------------------

  private fmtS(s: string): void {
    this.pad(this.truncate(s));
  }

  private fmtQ(s: string): void {
    s = this.truncate(s);
    if (this.sharp && canBackquote(s)) {
      this.pad("`" + s + "`");
      return;
    }
    this.pad(goQuote(s, this.plus));
  }

  private fmtSx(s: string, digits: string): void {
    const bytes = utf8Bytes(s);
    let length = bytes.length;
    if (this.precPresent && this.prec < length) length = this.prec;
    let width = 2 * length;
    if (width > 0) {
      if (this.space) {
        if (this.sharp) width *= 2;
        width += length - 1;
      } else if (this.sharp) {
        width += 2;
      }
    } else {
      if (this.widPresent) this.writePadding(this.wid);
      return;
    }
    if (this.widPresent && this.wid > width && !this.minus) this.writePadding(this.wid - width);
    this.reserve(width);
    let buf = "";
    if (!this.space && !this.sharp) {
      buf = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString("hex");
      if (digits === UDIGITS) buf = buf.toUpperCase();
    } else {
      if (this.sharp) buf += "0" + digits[16];
      for (let i = 0; i < length; i++) {
        if (this.space && i > 0) {
          buf += " ";
          if (this.sharp) buf += "0" + digits[16];
        }
        const c = bytes[i]!;
        buf += digits[c >> 4]! + digits[c & 0xf]!;
      }
    }
    this.out += buf;
    if (this.widPresent && this.wid > width && this.minus) this.writePadding(this.wid - width);
  }

  private fmtString(v: string, verb: string): void {
    switch (verb) {
      case "v":
        if (this.sharpV) this.fmtQ(v);
        else this.fmtS(v);
        return;
      case "s":
        return this.fmtS(v);
      case "x":
        return this.fmtSx(v, LDIGITS);
      case "X":
        return this.fmtSx(v, UDIGITS);
      case "q":
        return this.fmtQ(v);
      default:
        return this.badVerb(verb);
    }
  }

  // --- integers ------------------------------------------------------------

  private fmtIntegerBase(u: bigint, base: number, isSigned: boolean, verb: string, digits: string): void {
    const negative = isSigned && u < 0n;
    if (negative) u = -u;
    let prec = 0;
    if (this.precPresent) {
      prec = this.prec;
      if (prec === 0 && u === 0n) {
        const oldZero = this.zero;
        this.zero = false;
        this.writePadding(this.wid);
        this.zero = oldZero;
        return;
      }
    } else if (this.zero && !this.minus && this.widPresent) {
      prec = this.wid;
      if (negative || this.plus || this.space) prec--;
    }
    this.reserve(prec);
    let s = u.toString(base);
    if (digits === UDIGITS) s = s.toUpperCase();
    if (s.length < prec) s = "0".repeat(prec - s.length) + s;
    if (this.sharp) {
      if (base === 2) s = "0b" + s;
      else if (base === 8) {
        if (s[0] !== "0") s = "0" + s;
      } else if (base === 16) s = "0" + digits[16] + s;
    }
    if (verb === "O") s = "0o" + s;
    if (negative) s = "-" + s;
    else if (this.plus) s = "+" + s;
    else if (this.space) s = " " + s;
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  private fmtUnicode(u: bigint): void {
    let prec = 4;
    if (this.precPresent && this.prec > 4) prec = this.prec;
    this.reserve(prec);
    let s = u.toString(16).toUpperCase();
    if (s.length < prec) s = "0".repeat(prec - s.length) + s;
    s = "U+" + s;
    if (this.sharp && u <= BigInt(MAX_RUNE) && isPrint(Number(u))) s += " '" + String.fromCodePoint(Number(u)) + "'";
    const oldZero = this.zero;
    this.zero = false;
    this.pad(s);
    this.zero = oldZero;
  }

  private fmtInteger(v: bigint, isSigned: boolean, verb: string): void {
    // Go passes the value as uint64 to %c, %q and %U.
    const asUint = v & UINT64_MASK;
    switch (verb) {
      case "v":
        if (this.sharpV && !isSigned) {
          this.sharp = true;
          this.fmtIntegerBase(v, 16, false, "v", LDIGITS);
          this.sharp = false;
        } else this.fmtIntegerBase(v, 10, isSigned, verb, LDIGITS);
        return;
      case "d":
        return this.fmtIntegerBase(v, 10, isSigned, verb, LDIGITS);
      case "b":
        return this.fmtIntegerBase(v, 2, isSigned, verb, LDIGITS);
      case "o":
      case "O":
        return this.fmtIntegerBase(v, 8, isSigned, verb, LDIGITS);
      case "x":
        return this.fmtIntegerBase(v, 16, isSigned, verb, LDIGITS);
      case "X":
        return this.fmtIntegerBase(v, 16, isSigned, verb, UDIGITS);
      case "c":
        return this.pad(runeString(asUint));
      case "q": {
        const cp = asUint > BigInt(MAX_RUNE) ? 0xfffd : Number(asUint);
        return this.pad(goQuoteRune(cp, this.plus));
      }
      case "U":
        return this.fmtUnicode(asUint);
      default:
        return this.badVerb(verb);
    }
  }

  // --- floats --------------------------------------------------------------

  private fmtFloatRaw(v: number, verb: FloatFormat, prec: number): void {
    if (this.precPresent) prec = this.prec;
    // Digits beyond the precision: at most 330 before the point (%f of 1e308) plus sign and exponent.
    this.reserve(Math.max(prec, 0) + 340);
    let num = formatFloat(v, verb, prec);
    if (num[0] !== "-" && num[0] !== "+") num = "+" + num;
    if (this.space && num[0] === "+" && !this.plus) num = " " + num.slice(1);
    if (num[1] === "I" || num[1] === "N") {
      const oldZero = this.zero;
      this.zero = false;
      if (num[1] === "N" && !this.space && !this.plus) num = num.slice(1);
      this.pad(num);
      this.zero = oldZero;
      return;
    }
    if (this.sharp && verb !== "b") {
      let digits = 0;
      if (verb === "g" || verb === "G" || verb === "x") {
        digits = prec;
        if (digits === -1) digits = 6;
      }
      let tail = "";
      let hasDecimalPoint = false;
      let sawNonzeroDigit = false;
      for (let i = 1; i < num.length; i++) {
        const c = num[i]!;
        if (c === ".") {
          hasDecimalPoint = true;
        } else if (c === "p" || c === "P") {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else if ((c === "e" || c === "E") && verb !== "x" && verb !== "X") {
          tail = num.slice(i);
          num = num.slice(0, i);
          break;
        } else {
          if (c !== "0") sawNonzeroDigit = true;
          if (sawNonzeroDigit) digits--;
        }
      }
      if (!hasDecimalPoint) {
        if (num.length === 2 && num[1] === "0") digits--;
        num += ".";
      }
      while (digits > 0) {
        num += "0";
        digits--;
      }
      num += tail;
    }
    if (this.plus || num[0] !== "+") {
      if (this.zero && !this.minus && this.widPresent && this.wid > num.length) {
        this.out += num[0];
        this.writePadding(this.wid - num.length);
        this.out += num.slice(1);
        return;
      }
      this.pad(num);
      return;
    }
    this.pad(num.slice(1));
  }

  private fmtFloat(v: number, verb: string): void {
    switch (verb) {
      case "v":
        return this.fmtFloatRaw(v, "g", -1);
      case "b":
      case "g":
      case "G":
      case "x":
      case "X":
        return this.fmtFloatRaw(v, verb, -1);
      case "f":
      case "e":
      case "E":
        return this.fmtFloatRaw(v, verb, 6);
      case "F":
        return this.fmtFloatRaw(v, "f", 6);
      default:
        return this.badVerb(verb);
    }
  }

  private fmtComplex(v: GoComplex, verb: string): void {
    if (!"vbgGxXfFeE".includes(verb)) return this.badVerb(verb);
    const oldPlus = this.plus;
    this.out += "(";
    this.fmtFloat(v.re, verb);
    this.plus = true;
    this.fmtFloat(v.im, verb);
    this.out += "i)";
    this.plus = oldPlus;
  }

  private fmtBool(v: boolean, verb: string): void {
    if (verb === "t" || verb === "v") this.pad(v ? "true" : "false");
    else this.badVerb(verb);
  }

  // --- values --------------------------------------------------------------

  badVerb(verb: string): void {
    this.out += "%!" + verb + "(";
    const arg = this.arg;
    if (kindOf(arg) === "nil") {
      this.out += "<nil>";
    } else {
      this.out += goTypeName(arg) + "=";
      if (this.argIsTop) this.printArg(arg, "v");
      else this.printValue(arg, "v", 0);
    }
    this.out += ")";
  }

  printArg(arg: unknown, verb: string): void {
    this.arg = arg;
    this.argIsTop = true;
    const kind = kindOf(arg);
    if (kind === "nil") {
      if (verb === "T" || verb === "v") this.pad("<nil>");
      else this.badVerb(verb);
      return;
    }
    if (verb === "T") {
      this.fmtS(goTypeName(arg));
      return;
    }
    // %w wraps errors (only in Errorf) and %p prints addresses; neither applies to JSON data.
    if (verb === "p" || verb === "w") {
      this.badVerb(verb);
      return;
    }
    this.printConcrete(arg, kind, verb, 0);
  }

  private printConcrete(v: unknown, kind: ReturnType<typeof kindOf>, verb: string, depth: number): void {
    switch (kind) {
      case "bool":
        return this.fmtBool(v as boolean, verb);
      case "float64":
        return this.fmtFloat(v as number, verb);
      case "int":
        return this.fmtInteger(v as bigint, true, verb);
      case "uint8":
        return this.fmtInteger(BigInt((v as GoUint8).value), false, verb);
      case "string":
        return this.fmtString(v as string, verb);
      case "complex128":
        return this.fmtComplex(v as GoComplex, verb);
      case "slice":
      case "map":
        return this.printValue(v, verb, depth);
      case "nil":
        return;
    }
  }

  /** printValue for a value found inside a slice or map (an interface {} element). */
  private printElement(v: unknown, verb: string, depth: number): void {
    if (kindOf(v) === "nil") {
      this.out += this.sharpV ? "interface {}(nil)" : "<nil>";
      return;
    }
    this.printValue(v, verb, depth + 1);
  }

  printValue(v: unknown, verb: string, depth: number): void {
    this.arg = v;
    this.argIsTop = false;
    const kind = kindOf(v);
    if (kind === "slice") {
      const list = v as unknown[];
      if (this.sharpV) {
        this.out += "[]interface {}{";
        list.forEach((e, i) => {
          if (i > 0) this.out += ", ";
          this.printElement(e, verb, depth);
        });
        this.out += "}";
      } else {
        this.out += "[";
        list.forEach((e, i) => {
          if (i > 0) this.out += " ";
          this.printElement(e, verb, depth);
        });
        this.out += "]";
      }
      return;
    }
    if (kind === "map") {
      const m = v as AnyMap;
      const strings = m instanceof StringMap;
      this.out += this.sharpV ? goTypeName(m) + "{" : "map[";
      sortedKeys(m).forEach((k, i) => {
        if (i > 0) this.out += this.sharpV ? ", " : " ";
        this.printValue(k, verb, depth + 1);
        this.out += ":";
        const element = mapLookup(m, k)!.value;
        if (strings) this.printValue(element, verb, depth + 1);
        else this.printElement(element, verb, depth);
      });
      this.out += this.sharpV ? "}" : "]";
      return;
    }
    this.printConcrete(v, kind, verb, depth);
  }
}

/** fmt.Sprint; throws FmtLimitError past `limit` characters. */
export function sprint(args: readonly unknown[], limit = Infinity): string {
  const p = new Printer(limit);
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === "string";
    if (i > 0 && !isString && !prevString) p.out += " ";
    p.printArg(arg, "v");
    p.reserve(0);
    prevString = isString;
  });
  return p.out;
}

/** fmt.Sprintln; throws FmtLimitError past `limit` characters. */
export function sprintln(args: readonly unknown[], limit = Infinity): string {
  const p = new Printer(limit);
  args.forEach((arg, i) => {
    if (i > 0) p.out += " ";
    p.printArg(arg, "v");
    p.reserve(0);
  });
  p.reserve(1);
  return p.out + "\n";
}

const TOO_LARGE = 1e6;

function parsenum(s: string, start: number, end: number): { num: number; isnum: boolean; newi: number } {
  if (start >= end) return { num: 0, isnum: false, newi: end };
  let num = 0;
  let isnum = false;
  let i = start;
  for (; i < end && s[i]! >= "0" && s[i]! <= "9"; i++) {
    if (num > TOO_LARGE) return { num: 0, isnum: false, newi: end };
    num = num * 10 + (s.charCodeAt(i) - 48);
    isnum = true;
  }
  return { num, isnum, newi: i };
}

function parseArgNumber(format: string, from: number): { index: number; wid: number; ok: boolean } {
  if (format.length - from < 3) return { index: 0, wid: 1, ok: false };
  for (let i = from + 1; i < format.length; i++) {
    if (format[i] === "]") {
      const { num, isnum, newi } = parsenum(format, from + 1, i);
      if (!isnum || newi !== i) return { index: 0, wid: i - from + 1, ok: false };
      return { index: num - 1, wid: i - from + 1, ok: true };
    }
  }
  return { index: 0, wid: 1, ok: false };
}

function intFromArg(a: readonly unknown[], argNum: number): { num: number; isInt: boolean; newArgNum: number } {
  let num = 0;
  let isInt = false;
  let newArgNum = argNum;
  if (argNum < a.length) {
    const v = a[argNum];
    if (typeof v === "bigint") {
      if (v >= -(1n << 63n) && v < 1n << 63n) {
        num = Number(v);
        isInt = true;
      }
    } else if (v instanceof GoUint8) {
      num = v.value;
      isInt = true;
    }
    newArgNum = argNum + 1;
    if (num > TOO_LARGE || num < -TOO_LARGE) {
      num = 0;
      isInt = false;
    }
  }
  return { num, isInt, newArgNum };
}

/** fmt.Sprintf; throws FmtLimitError past `limit` characters. */
export function sprintf(format: string, a: readonly unknown[], limit = Infinity): string {
  const p = new Printer(limit);
  const end = format.length;
  let argNum = 0;
  let afterIndex = false;
  p.reordered = false;

  const argNumber = (i: number): { argNum: number; i: number; found: boolean } => {
    if (end <= i || format[i] !== "[") return { argNum, i, found: false };
    p.reordered = true;
    const { index, wid, ok } = parseArgNumber(format, i);
    if (ok && index >= 0 && index < a.length) return { argNum: index, i: i + wid, found: true };
    p.goodArgNum = false;
    return { argNum, i: i + wid, found: ok };
  };

  let i = 0;
  formatLoop: while (i < end) {
    p.goodArgNum = true;
    const lasti = i;
    while (i < end && format[i] !== "%") i++;
    if (i > lasti) p.out += format.slice(lasti, i);
    if (i >= end) break;
    i++;
    p.clearFlags();
    simple: for (; i < end; i++) {
      const c = format[i]!;
      switch (c) {
        case "#":
          p.sharp = true;
          break;
        case "0":
          p.zero = true;
          break;
        case "+":
          p.plus = true;
          break;
        case "-":
          p.minus = true;
          break;
        case " ":
          p.space = true;
          break;
        default:
          if (c >= "a" && c <= "z" && argNum < a.length) {
            if (c === "v" || c === "w") {
              p.sharpV = p.sharp;
              p.sharp = false;
              p.plusV = p.plus;
              p.plus = false;
            }
            p.printArg(a[argNum], c);
            p.reserve(0);
            argNum++;
            i++;
            continue formatLoop;
          }
          break simple;
      }
    }

    let r = argNumber(i);
    argNum = r.argNum;
    i = r.i;
    afterIndex = r.found;

    if (i < end && format[i] === "*") {
      i++;
      const w = intFromArg(a, argNum);
      p.wid = w.num;
      p.widPresent = w.isInt;
      argNum = w.newArgNum;
      if (!p.widPresent) p.out += "%!(BADWIDTH)";
      if (p.wid < 0) {
        p.wid = -p.wid;
        p.minus = true;
        p.zero = false;
      }
      afterIndex = false;
    } else {
      const n = parsenum(format, i, end);
      p.wid = n.num;
      p.widPresent = n.isnum;
      i = n.newi;
      if (afterIndex && p.widPresent) p.goodArgNum = false;
    }

    if (i + 1 < end && format[i] === ".") {
      i++;
      if (afterIndex) p.goodArgNum = false;
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
      if (i < end && format[i] === "*") {
        i++;
        const w = intFromArg(a, argNum);
        p.prec = w.num;
        p.precPresent = w.isInt;
        argNum = w.newArgNum;
        if (p.prec < 0) {
          p.prec = 0;
          p.precPresent = false;
        }
        if (!p.precPresent) p.out += "%!(BADPREC)";
        afterIndex = false;
      } else {
        const n = parsenum(format, i, end);
        p.prec = n.num;
        p.precPresent = n.isnum;
        i = n.newi;
        if (!p.precPresent) {
          p.prec = 0;
          p.precPresent = true;
        }
      }
    }

    if (!afterIndex) {
      r = argNumber(i);
      argNum = r.argNum;
      i = r.i;
      afterIndex = r.found;
    }

    if (i >= end) {
      p.out += "%!(NOVERB)";
      break;
    }

    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length;

    if (verb === "%") {
      p.out += "%";
    } else if (!p.goodArgNum) {
      p.out += "%!" + verb + "(BADINDEX)";
    } else if (argNum >= a.length) {
      p.out += "%!" + verb + "(MISSING)";
    } else {
      if (verb === "v" || verb === "w") {
        p.sharpV = p.sharp;
        p.sharp = false;
        p.plusV = p.plus;
        p.plus = false;
      }
      p.printArg(a[argNum], verb);
      p.reserve(0);
      argNum++;
    }
  }

  if (!p.reordered && argNum < a.length) {
    p.clearFlags();
    p.out += "%!(EXTRA ";
    a.slice(argNum).forEach((arg, k) => {
      if (k > 0) p.out += ", ";
      if (kindOf(arg) === "nil") p.out += "<nil>";
      else {
        p.out += goTypeName(arg) + "=";
        p.printArg(arg, "v");
      }
      p.reserve(0);
    });
    p.out += ")";
  }
  p.reserve(0);
  return p.out;
}
