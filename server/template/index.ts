/**
 * Go text/template, as Matchbox uses it: missingkey=error, Go's built-in
 * functions only, JSON-shaped data (numbers are float64).
 *
 *   const t = parseTemplate("", text);   // throws TemplateError on a parse error
 *   const out = t.execute(data);         // throws TemplateError on an execution error
 *   const bytes = t.executeBytes(data);  // Go's exact output bytes, even where they are not UTF-8
 */
import { goBytes, toValidText } from "./bytestring.js";
import { TemplateError } from "./errors.js";
import { DEFAULT_LIMITS, type TemplateLimits, executeTrees } from "./exec.js";
import { type TreeSet, parseTrees } from "./parser.js";

export { TemplateError, type TemplateLimits, DEFAULT_LIMITS };
export { formatGoFloat, goPrint, StringMap } from "./value.js";

export interface GoTemplate {
  readonly name: string;
  /** The output as text: bytes that are not UTF-8 read as U+FFFD, as a UTF-8 reader reads them. */
  execute(data: unknown, limits?: Partial<TemplateLimits>): string;
  executeBytes(data: unknown, limits?: Partial<TemplateLimits>): Buffer;
}

/** Stack exhaustion on absurdly nested input becomes an ordinary template error. */
function guardStack<T>(name: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new TemplateError(`template: ${name}: nesting too deep`);
    }
    throw err;
  }
}

class ParsedTemplate implements GoTemplate {
  constructor(
    readonly name: string,
    private readonly text: string,
    private readonly trees: TreeSet,
  ) {}

  execute(data: unknown, limits?: Partial<TemplateLimits>): string {
    return toValidText(this.run(data, limits));
  }

  executeBytes(data: unknown, limits?: Partial<TemplateLimits>): Buffer {
    return goBytes(this.run(data, limits));
  }

  private run(data: unknown, limits?: Partial<TemplateLimits>): string {
    const effective = { ...DEFAULT_LIMITS, ...limits };
    return guardStack(this.name, () =>
      executeTrees({ text: this.text, name: this.name, trees: this.trees, data, limits: effective }),
    );
  }
}

/** Parse a template text (with its define/block templates) named `name`. */
export function parseTemplate(name: string, text: string): GoTemplate {
  // Callers that render one text many times keep the parsed template (the data
  // directory's snapshot does, per file version).
  const trees = guardStack(name, () => parseTrees(name, text));
  return new ParsedTemplate(name, text, trees);
}
