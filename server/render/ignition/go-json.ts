/**
 * A JSON reader with the details Go's encoding/json exposes and JSON.parse
 * hides: numbers keep their source text (so `420.0` can be refused where an
 * integer is expected), object members keep their order and duplicates, and
 * unpaired surrogate escapes become U+FFFD as Go decodes them.
 */

export type JsonNode =
  | { k: "obj"; members: Array<[string, JsonNode]>; at: number }
  | { k: "arr"; items: JsonNode[]; at: number }
  | { k: "str"; v: string; at: number }
  | { k: "num"; raw: string; at: number }
  | { k: "bool"; v: boolean; at: number }
  | { k: "null"; at: number };

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Deeper than any real config; keeps the recursive reader far from the stack limit. */
const MAX_DEPTH = 1_000;

const SPECIAL_IN_STRING = /["\\\x00-\x1f\ud800-\udfff]/g;
const SIMPLE_ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

export function parseGoJson(text: string): JsonNode {
  let pos = 0;

  const describe = (c: string): string => (c === "'" ? "'\\''" : `'${c}'`);
  const fail = (what: string): never => {
    if (pos >= text.length) throw new JsonSyntaxError("unexpected end of JSON input", pos);
    throw new JsonSyntaxError(`invalid character ${describe(text[pos]!)} ${what}`, pos);
  };
  const skipSpace = (): void => {
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) pos++;
      else break;
    }
  };

  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new JsonSyntaxError(`exceeded max nesting depth of ${MAX_DEPTH}`, pos);
    skipSpace();
    const at = pos;
    const c = text[pos];
    if (c === "{") return object(depth, at);
    if (c === "[") return array(depth, at);
    if (c === '"') return { k: "str", v: string(), at };
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return { k: "num", raw: number(), at };
    for (const [word, node] of [
      ["true", { k: "bool", v: true, at }],
      ["false", { k: "bool", v: false, at }],
      ["null", { k: "null", at }],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return node;
      }
      if (c === word[0]) {
        for (let j = 1; j < word.length; j++) {
          pos++;
          if (text[pos] !== word[j]) fail(`in literal ${word} (expecting '${word[j]}')`);
        }
      }
    }
    return fail("looking for beginning of value");
  };

  const object = (depth: number, at: number): JsonNode => {
    pos++;
    const members: Array<[string, JsonNode]> = [];
    skipSpace();
    if (text[pos] === "}") {
      pos++;
      return { k: "obj", members, at };
    }
    for (;;) {
      skipSpace();
      if (text[pos] !== '"') fail("looking for beginning of object key string");
      const key = string();
      skipSpace();
      if (text[pos] !== ":") fail("after object key");
      pos++;
      members.push([key, value(depth + 1)]);
      skipSpace();
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      if (text[pos] === "}") {
        pos++;
        return { k: "obj", members, at };
      }
      fail("after object key:value pair");
    }
  };

  const array = (depth: number, at: number): JsonNode => {
    pos++;
    const items: JsonNode[] = [];
    skipSpace();
    if (text[pos] === "]") {
      pos++;
      return { k: "arr", items, at };
    }
    for (;;) {
      items.push(value(depth + 1));
      skipSpace();
      if (text[pos] === ",") {
        pos++;
        continue;
      }
      if (text[pos] === "]") {
        pos++;
        return { k: "arr", items, at };
      }
      fail("after array element");
    }
  };

  const string = (): string => {
    pos++;
    let out = "";
    let start = pos;
    for (;;) {
      // Jump to the next character that needs attention; plain text is copied in slices.
      SPECIAL_IN_STRING.lastIndex = pos;
      pos = SPECIAL_IN_STRING.test(text) ? SPECIAL_IN_STRING.lastIndex - 1 : text.length;
      if (pos >= text.length) fail("in string literal");
      const code = text.charCodeAt(pos);
      if (code === 0x22) {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (code < 0x20) fail("in string literal");
      if (code === 0x5c) {
        out += text.slice(start, pos);
        pos++;
        const e = text[pos];
        if (e !== undefined && e in SIMPLE_ESCAPES) {
          out += SIMPLE_ESCAPES[e];
          pos++;
        } else if (e === "u") {
          const unit = hex4(pos + 1);
          pos += 5;
          if (unit >= 0xd800 && unit < 0xdc00 && text[pos] === "\\" && text[pos + 1] === "u") {
            const low = hex4(pos + 2);
            if (low >= 0xdc00 && low < 0xe000) {
              out += String.fromCharCode(unit, low);
              pos += 6;
              start = pos;
              continue;
            }
          }
          out += unit >= 0xd800 && unit < 0xe000 ? "\ufffd" : String.fromCharCode(unit);
        } else {
          fail("in string escape code");
        }
        start = pos;
        continue;
      }
      if (code >= 0xd800 && code < 0xe000) {
        // Unpaired surrogates cannot come from UTF-8 input; Go would see U+FFFD.
        const paired = code < 0xdc00 && pos + 1 < text.length && (text.charCodeAt(pos + 1) & 0xfc00) === 0xdc00;
        if (!paired) {
          out += text.slice(start, pos) + "\ufffd";
          pos++;
          start = pos;
          continue;
        }
        pos += 2;
        continue;
      }
      pos++;
    }
  };

  const hex4 = (from: number): number => {
    const digits = text.slice(from, from + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) {
      pos = from;
      while (pos < from + 4 && pos < text.length && /[0-9a-fA-F]/.test(text[pos]!)) pos++;
      fail("in \\u hexadecimal character escape");
    }
    return parseInt(digits, 16);
  };

  const number = (): string => {
    const start = pos;
    if (text[pos] === "-") pos++;
    if (text[pos] === "0") pos++;
    else if (text[pos] !== undefined && text[pos]! >= "1" && text[pos]! <= "9") while (/[0-9]/.test(text[pos] ?? "")) pos++;
    else fail("in numeric literal");
    if (text[pos] === ".") {
      pos++;
      if (!/[0-9]/.test(text[pos] ?? "")) fail("after decimal point in numeric literal");
      while (/[0-9]/.test(text[pos] ?? "")) pos++;
    }
    if (text[pos] === "e" || text[pos] === "E") {
      pos++;
      if (text[pos] === "+" || text[pos] === "-") pos++;
      if (!/[0-9]/.test(text[pos] ?? "")) fail("in exponent of numeric literal");
      while (/[0-9]/.test(text[pos] ?? "")) pos++;
    }
    return text.slice(start, pos);
  };

  const root = value(0);
  skipSpace();
  if (pos < text.length) fail("after top-level value");
  return root;
}

/** 1-based line and column of a character offset, for error messages. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
