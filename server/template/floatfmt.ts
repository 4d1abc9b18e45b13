/**
 * Go strconv.FormatFloat for float64, for the formats fmt uses:
 * 'e' 'E' 'f' 'g' 'G' 'b' 'x' 'X', shortest (prec < 0) or with a precision.
 * Rounding is exact (half to even on the exact binary value), as Go does.
 */

interface Decimal {
  /** Significant digits without leading or trailing zeros ("" for zero). */
  digits: string;
  /** Position of the decimal point relative to the first digit. */
  dp: number;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

function bitsOf(n: number): bigint {
  f64[0] = n;
  return u64[0]!;
}

/** Shortest digits that read back as the same float64 (as strconv with precision -1). */
function shortestDecimal(abs: number): Decimal {
  if (abs === 0) return { digits: "", dp: 0 };
  const s = abs.toExponential();
  const e = s.indexOf("e");
  const digits = s.slice(0, e).replace(".", "");
  return { digits: trimZeros(digits), dp: Number(s.slice(e + 1)) + 1 };
}

/** The exact decimal expansion of a finite non-negative float64. */
function exactDecimal(abs: number): Decimal {
  if (abs === 0) return { digits: "", dp: 0 };
  const bits = bitsOf(abs);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biased === 0) {
    exp = -1074;
  } else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  let text: string;
  let dp: number;
  if (exp >= 0) {
    text = (mant << BigInt(exp)).toString();
    dp = text.length;
  } else {
    text = (mant * 5n ** BigInt(-exp)).toString();
    dp = text.length + exp;
  }
  const stripped = text.replace(/^0+/, "");
  dp -= text.length - stripped.length;
  return { digits: trimZeros(stripped), dp };
}

function trimZeros(digits: string): string {
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  return digits.slice(0, end);
}

/** Round to nd significant digits, half to even (the input is exact). */
function roundDecimal(d: Decimal, nd: number): Decimal {
  if (nd < 0) return { digits: "", dp: 0 };
  if (nd >= d.digits.length) return d;
  const next = d.digits.charCodeAt(nd) - 48;
  let up: boolean;
  if (next > 5) up = true;
  else if (next < 5) up = false;
  else if (nd + 1 < d.digits.length) up = true;
  else up = nd > 0 && (d.digits.charCodeAt(nd - 1) - 48) % 2 === 1;
  if (!up) return { digits: trimZeros(d.digits.slice(0, nd)), dp: d.dp };
  const arr = d.digits.slice(0, nd).split("");
  let i = nd - 1;
  while (i >= 0 && arr[i] === "9") {
    arr[i] = "0";
    i--;
  }
  if (i < 0) return { digits: "1", dp: d.dp + 1 };
  arr[i] = String.fromCharCode(arr[i]!.charCodeAt(0) + 1);
  return { digits: trimZeros(arr.join("")), dp: d.dp };
}

function fmtE(neg: boolean, d: Decimal, prec: number, verb: string): string {
  let out = neg ? "-" : "";
  out += d.digits.length > 0 ? d.digits[0] : "0";
  if (prec > 0) {
    out += ".";
    const frac = d.digits.slice(1, prec + 1);
    out += frac + "0".repeat(prec - frac.length);
  }
  let exp = d.digits.length === 0 ? 0 : d.dp - 1;
  const sign = exp < 0 ? "-" : "+";
  exp = Math.abs(exp);
  return out + verb + sign + (exp < 10 ? "0" + exp : String(exp));
}

function fmtF(neg: boolean, d: Decimal, prec: number): string {
  let out = neg ? "-" : "";
  if (d.dp > 0) {
    const intDigits = d.digits.slice(0, d.dp);
    out += intDigits + "0".repeat(d.dp - intDigits.length);
  } else {
    out += "0";
  }
  if (prec > 0) {
    out += ".";
    for (let i = 1; i <= prec; i++) {
      const j = d.dp + i - 1;
      out += j >= 0 && j < d.digits.length ? d.digits[j] : "0";
    }
  }
  return out;
}

function fmtB(neg: boolean, n: number): string {
  const bits = bitsOf(n);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return (neg ? "-" : "") + mant.toString() + "p" + (exp >= 0 ? "+" : "-") + Math.abs(exp);
}

function fmtX(neg: boolean, n: number, prec: number, verb: "x" | "X"): string {
  const bits = bitsOf(n);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let exp: number;
  if (biased === 0) exp = 1 - 1023;
  else {
    mant |= 1n << 52n;
    exp = biased - 1023;
  }
  if (mant === 0n) exp = 0;
  const bit60 = 1n << 60n;
  const mask64 = (1n << 64n) - 1n;
  mant <<= 8n;
  while (mant !== 0n && (mant & bit60) === 0n) {
    mant = (mant << 1n) & mask64;
    exp--;
  }
  if (prec >= 0 && prec < 15) {
    const shift = BigInt(prec * 4);
    const extra = (mant << shift) & (bit60 - 1n);
    mant >>= 60n - shift;
    if ((extra | (mant & 1n)) > 1n << 59n) mant++;
    mant <<= 60n - shift;
    if ((mant & (1n << 61n)) !== 0n) {
      mant >>= 1n;
      exp++;
    }
  }
  const hex = verb === "X" ? "0123456789ABCDEF" : "0123456789abcdef";
  let out = (neg ? "-" : "") + "0" + verb + String((mant >> 60n) & 1n);
  mant = (mant << 4n) & mask64;
  if (prec < 0 && mant !== 0n) {
    out += ".";
    while (mant !== 0n) {
      out += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask64;
    }
  } else if (prec > 0) {
    out += ".";
    for (let i = 0; i < prec; i++) {
      out += hex[Number((mant >> 60n) & 15n)];
      mant = (mant << 4n) & mask64;
    }
  }
  out += verb === "X" ? "P" : "p";
  out += exp < 0 ? "-" : "+";
  exp = Math.abs(exp);
  return out + (exp < 10 ? "0" + exp : String(exp));
}

export type FloatFormat = "e" | "E" | "f" | "g" | "G" | "b" | "x" | "X";

/** strconv.FormatFloat(n, format, prec, 64). */
export function formatFloat(n: number, format: FloatFormat, prec: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "+Inf";
  if (n === -Infinity) return "-Inf";
  const neg = n < 0 || Object.is(n, -0);
  const abs = Math.abs(n);
  if (format === "b") return fmtB(neg, abs);
  if (format === "x" || format === "X") return fmtX(neg, abs, prec, format);

  const shortest = prec < 0;
  let d: Decimal;
  if (shortest) {
    d = shortestDecimal(abs);
    const nd = d.digits.length;
    if (format === "e" || format === "E") prec = Math.max(nd - 1, 0);
    else if (format === "f") prec = Math.max(nd - d.dp, 0);
    else prec = nd;
  } else {
    const exact = exactDecimal(abs);
    if (format === "e" || format === "E") d = roundDecimal(exact, prec + 1);
    else if (format === "f") d = roundDecimal(exact, exact.dp + prec);
    else {
      if (prec === 0) prec = 1;
      d = roundDecimal(exact, prec);
    }
  }
  switch (format) {
    case "e":
    case "E":
      return fmtE(neg, d, prec, format);
    case "f":
      return fmtF(neg, d, prec);
    default: {
      const nd = d.digits.length;
      let eprec = prec;
      if (eprec > nd && nd >= d.dp) eprec = nd;
      if (shortest) eprec = 6;
      const exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (prec > nd) prec = nd;
        return fmtE(neg, d, prec - 1, format === "g" ? "e" : "E");
      }
      if (prec > d.dp) prec = nd;
      return fmtF(neg, d, Math.max(prec - d.dp, 0));
    }
  }
}

/**
 * Go's %v of a float64: the shortest digits that read back exactly, in exponent
 * form (at least two exponent digits) when the decimal exponent is below -4 or
 * at least 6, so 1000000 prints as 1e+06.
 */
export function formatGoFloat(n: number): string {
  return formatFloat(n, "g", -1);
}
