/**
 * The systemd unit-file syntax check Ignition applies to unit and drop-in
 * contents (go-systemd's unit lexer): text before the first section is
 * skipped, `#`/`;` start comments, an option needs `=` before the line ends,
 * a section header needs its `]`, and no line may reach 2048 bytes.
 */

const LINE_MAX = 2048;

export interface UnitSection {
  name: string;
  options: Array<{ name: string; value: string }>;
}

/** Parses unit contents; throws Error with go-systemd's message when they are invalid. */
export function parseUnitContents(contents: string): UnitSection[] {
  const bytes = Buffer.from(contents, "utf8");
  for (let start = 0; start < bytes.length; ) {
    let end = start;
    while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end++;
    if (end - start >= LINE_MAX) throw new Error(`invalid unit content: line too long (max ${LINE_MAX} bytes)`);
    start = end + 1;
  }

  const text = contents;
  let pos = 0;
  const sections: UnitSection[] = [];
  const fail = (message: string): never => {
    throw new Error(`invalid unit content: ${message}`);
  };
  const readLine = (): string => {
    let nl = text.indexOf("\n", pos);
    if (nl < 0) nl = text.length;
    let line = text.slice(pos, nl);
    pos = nl + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    return line;
  };
  const skipCommentLine = (): void => {
    for (;;) {
      const atEof = pos >= text.length;
      let line = readLine();
      if (line.endsWith(" ")) line = line.slice(0, -1);
      if (!line.endsWith("\\") || atEof) return;
    }
  };
  const readSectionHeader = (): void => {
    const close = text.indexOf("]", pos);
    if (close < 0) fail("unable to find end of section");
    const name = text.slice(pos, close);
    pos = close + 1;
    const garbage = readLine().trim();
    if (garbage.length > 0) fail(`found garbage after section name ${name}: ${JSON.stringify(garbage)}`);
    sections.push({ name, options: [] });
  };

  // Before the first section every character that is not '[' or a comment is skipped.
  while (pos < text.length && sections.length === 0) {
    const ch = text[pos++]!;
    if (ch === "[") readSectionHeader();
    else if (ch === "#" || ch === ";") skipCommentLine();
  }
  while (pos < text.length) {
    const ch = text[pos]!;
    if (/\s/u.test(ch)) {
      pos++;
      continue;
    }
    if (ch === "[") {
      pos++;
      readSectionHeader();
      continue;
    }
    if (ch === "#" || ch === ";") {
      pos++;
      skipCommentLine();
      continue;
    }
    const eq = text.indexOf("=", pos);
    const lineBreak = text.slice(pos, eq < 0 ? text.length : eq).search(/[\r\n]/);
    if (lineBreak >= 0) fail("unexpected newline encountered while parsing option name");
    if (eq < 0) fail("EOF");
    const name = text.slice(pos, eq).trim();
    pos = eq + 1;
    let value = "";
    for (;;) {
      const atEof = text.indexOf("\n", pos) < 0;
      const line = readLine();
      if (line.trim().length === 0) break;
      value += line;
      if (!line.endsWith("\\")) break;
      if (!atEof) value += "\n";
      else break;
    }
    value = value.endsWith("\n") ? value.trim() + "\n" : value.trim();
    sections[sections.length - 1]!.options.push({ name, value });
  }
  return sections;
}
