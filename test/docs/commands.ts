/**
 * The `netboot …` command lines the README and the guides show: in code
 * blocks (with `\` continuations joined) and in inline code spans.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export interface DocCommand {
  /** `docs/dhcp.md:67`. */
  where: string;
  /** As written, on one line. */
  text: string;
  /** Words after `netboot`, with the synopsis notation ([optional], (a | b), a|b, ...) resolved to one concrete choice. */
  argv: string[];
  /** An inline code span in prose, as opposed to a line of a code block. */
  inline: boolean;
  /** The fenced code block right after the line holding this command (its output), if any. */
  output?: { lang: string; text: string };
}

export function docFiles(): string[] {
  const docs = readdirSync(path.join(REPO_ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs.sort(), "test/e2e/README.md"];
}

/** Shell-like words: quotes group, a `#` word starts a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(pattern)) {
    if (m[3]?.startsWith("#")) break;
    out.push(m[1] ?? m[2] ?? m[3]!);
  }
  return out;
}

/** A synopsis turned into one command line: optional parts kept, the first alternative of each choice. */
export function concrete(tokens: string[]): string[] {
  const out: string[] = [];
  for (let token of tokens) {
    if (token === "|" || token === "..." || token === "…" || token === ">" || token === "\\") {
      if (token === "|" || token === ">") break; // a pipe or a redirection ends the command
      continue;
    }
    token = token.replace(/^[[(]+/, "").replace(/[\])]+(\.\.\.|…)?$/, "").replace(/(\.\.\.|…)$/, "");
    if (token === "") continue;
    // `a|b` alternatives: the first one (but not inside a value such as `secret|values[=FILE]` after `=`).
    if (!token.includes("=")) token = token.split("|")[0]!;
    else token = token.replace(/\[=.*$/, "");
    out.push(token);
  }
  return out;
}

export function docCommands(): DocCommand[] {
  const found: DocCommand[] = [];
  for (const file of docFiles()) {
    const lines = readFileSync(path.join(REPO_ROOT, file), "utf8").split("\n");
    let fence: string | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const opening = /^\s*```(\S*)/.exec(line);
      if (opening) {
        fence = fence === undefined ? opening[1]! : undefined;
        continue;
      }
      if (fence !== undefined) {
        const m = /^\s*(?:\$ )?(?:npx )?netboot(\s.*)?$/.exec(line);
        if (!m) continue;
        let text = line.trim();
        while (text.endsWith("\\") && i + 1 < lines.length) text = text.slice(0, -1).trimEnd() + " " + lines[++i]!.trim();
        found.push({ where: `${file}:${i + 1}`, text, argv: concrete(words(text).slice(words(text).indexOf("netboot") + 1)), inline: false });
        continue;
      }
      // Inline spans may wrap onto the next line.
      const joined = line + (i + 1 < lines.length ? " " + lines[i + 1]! : "");
      for (const m of line.matchAll(/`(?:npx )?netboot(?=[\s`])/g)) {
        const start = m.index!;
        const close = joined.indexOf("`", start + 1);
        if (close === -1) continue;
        const text = joined.slice(start + 1, close).replace(/\s+/g, " ");
        const entry: DocCommand = { where: `${file}:${i + 1}`, text, argv: concrete(words(text).slice(words(text).indexOf("netboot") + 1)), inline: true };
        // An inline command on a line of its own followed by a code block: that block is its output.
        if (line.trim() === `\`${text}\``) {
          let j = i + 1;
          while (j < lines.length && lines[j]!.trim() === "") j++;
          const fenceOpen = /^\s*```(\S*)/.exec(lines[j] ?? "");
          if (fenceOpen) {
            const body: string[] = [];
            for (j++; j < lines.length && !/^\s*```/.test(lines[j]!); j++) body.push(lines[j]!);
            entry.output = { lang: fenceOpen[1]!, text: body.join("\n") + "\n" };
          }
        }
        found.push(entry);
      }
    }
  }
  return found;
}
