/**
 * The systemd unit-file syntax check Ignition applies to unit and drop-in
 * contents (go-systemd's unit lexer): text before the first section is
 * skipped, `#`/`;` start comments, an option needs `=` before the line ends,
 * a section header needs its `]` (which may lie on a later line), and no line
 * may reach 2048 bytes. The line-length check only looks at what the lexer's
 * 4096-byte read buffer holds at each step, so the buffer is modelled too:
 * that decides which long lines are caught.
 */

const LINE_MAX = 2048;
const BUFFER_SIZE = 4096;
const NL = 0x0a;
const CR = 0x0d;

export interface UnitSection {
  name: string;
  options: Array<{ name: string; value: string }>;
}

class UnitSyntaxError extends Error {
  constructor(reason: string) {
    super(`invalid unit content: ${reason}`);
  }
}

/** Go's unicode.IsSpace. */
function isSpace(cp: number): boolean {
  return (
    (cp >= 0x09 && cp <= 0x0d) ||
    cp === 0x20 ||
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** Go's bytes.TrimSpace on UTF-8 text. */
function trimSpace(text: string): string {
  const chars = Array.from(text);
  let start = 0;
  let end = chars.length;
  while (start < end && isSpace(chars[start]!.codePointAt(0)!)) start++;
  while (end > start && isSpace(chars[end - 1]!.codePointAt(0)!)) end--;
  return chars.slice(start, end).join("");
}

/** A bufio.Reader over a byte string: `r` is the read position, `w` the end of what is buffered. */
class BufferedReader {
  r = 0;
  w = 0;
  private lastRuneSize = 0;

  constructor(private readonly bytes: Buffer) {}

  buffered(): number {
    return this.w - this.r;
  }

  private fill(): void {
    this.w = Math.min(this.bytes.length, this.r + BUFFER_SIZE);
  }

  /** Peek(LINE_MAX) when at least that much is buffered. */
  peekLineMax(): Buffer {
    return this.bytes.subarray(this.r, this.r + LINE_MAX);
  }

  readRune(): number | undefined {
    if (this.r + 4 > this.w && !this.fullRuneBuffered() && this.w - this.r < BUFFER_SIZE) this.fill();
    if (this.r >= this.w) return undefined;
    const text = this.bytes.subarray(this.r, Math.min(this.w, this.r + 4)).toString("utf8");
    const cp = text.codePointAt(0)!;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    this.r += size;
    this.lastRuneSize = size;
    return cp;
  }

  private fullRuneBuffered(): boolean {
    if (this.r >= this.w) return false;
    const lead = this.bytes[this.r]!;
    const need = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    return this.w - this.r >= need;
  }

  unreadRune(): void {
    this.r -= this.lastRuneSize;
    this.lastRuneSize = 0;
  }

  /** ReadBytes(delim): the bytes up to and including delim, and whether the input ended first. */
  readBytes(delim: number): { data: Buffer; eof: boolean } {
    const start = this.r;
    let searchFrom = this.r;
    for (;;) {
      const at = this.bytes.subarray(searchFrom, this.w).indexOf(delim);
      if (at >= 0) {
        this.r = searchFrom + at + 1;
        return { data: this.bytes.subarray(start, this.r), eof: false };
      }
      searchFrom = this.w;
      if (this.w - this.r >= BUFFER_SIZE) this.r = this.w;
      if (this.w >= this.bytes.length) {
        this.r = this.w;
        return { data: this.bytes.subarray(start, this.r), eof: true };
      }
      this.fill();
    }
  }
}

type Step = (() => Step) | undefined;

/** Parses unit contents; throws an Error with go-systemd's message when they are invalid. */
export function parseUnitContents(contents: string): UnitSection[] {
  const reader = new BufferedReader(Buffer.from(contents, "utf8"));
  const sections: UnitSection[] = [];

  const toEol = (): { line: string; eof: boolean } => {
    const { data, eof } = reader.readBytes(NL);
    let line = data;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, -1);
    if (line.length > 0 && line[line.length - 1] === NL) line = line.subarray(0, -1);
    return { line: line.toString("utf8"), eof };
  };

  const ignoreLine =
    (next: Step): Step =>
    () => {
      for (;;) {
        let { line } = toEol();
        if (line.endsWith(" ")) line = line.slice(0, -1);
        if (!line.endsWith("\\")) break;
      }
      return next;
    };

  const sectionName: Step = () => {
    const { data, eof } = reader.readBytes(0x5d); // ']'
    if (eof) throw new UnitSyntaxError("unable to find end of section");
    const name = data.subarray(0, -1).toString("utf8");
    return () => {
      const garbage = trimSpace(toEol().line);
      if (garbage.length > 0) throw new UnitSyntaxError(`found garbage after section name ${name}: ${JSON.stringify(garbage)}`);
      sections.push({ name, options: [] });
      return sectionOrOption;
    };
  };

  const nextSection: Step = () => {
    const cp = reader.readRune();
    if (cp === undefined) return undefined;
    if (cp === 0x5b) return sectionName;
    if (cp === 0x23 || cp === 0x3b) return ignoreLine(nextSection);
    return nextSection;
  };

  const sectionOrOption: Step = () => {
    const cp = reader.readRune();
    if (cp === undefined) return undefined;
    if (isSpace(cp)) return sectionOrOption;
    if (cp === 0x5b) return sectionName;
    if (cp === 0x23 || cp === 0x3b) return ignoreLine(sectionOrOption);
    reader.unreadRune();
    return optionName;
  };

  const optionName: Step = () => {
    let name = "";
    for (;;) {
      const cp = reader.readRune();
      if (cp === undefined) throw new UnitSyntaxError("EOF");
      if (cp === NL || cp === CR) throw new UnitSyntaxError("unexpected newline encountered while parsing option name");
      if (cp === 0x3d) break;
      name += String.fromCodePoint(cp);
    }
    return optionValue(trimSpace(name), "");
  };

  const optionValue =
    (name: string, partial: string): Step =>
    () => {
      const { line, eof } = toEol();
      if (trimSpace(line).length !== 0) {
        partial += line;
        if (line.endsWith("\\")) {
          if (!eof) partial += "\n";
          return optionValue(name, partial);
        }
      }
      const value = partial.endsWith("\n") ? trimSpace(partial) + "\n" : trimSpace(partial);
      sections[sections.length - 1]!.options.push({ name, value });
      return sectionOrOption;
    };

  let step: Step = nextSection;
  while (step) {
    if (reader.buffered() >= LINE_MAX) {
      const window = reader.peekLineMax();
      if (!window.includes(NL) && !window.includes(CR)) throw new UnitSyntaxError(`line too long (max ${LINE_MAX} bytes)`);
    }
    step = step();
  }
  return sections;
}
