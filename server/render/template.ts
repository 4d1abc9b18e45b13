import { NetbootError } from "../errors.js";
import type { TemplateFile } from "../store/snapshot.js";
import { parseTemplate, TemplateError, type GoTemplate } from "../template/index.js";
import type { TemplateData } from "./template-data.js";

type Parsed = { template: GoTemplate } | { error: NetbootError };

/** A data-directory template parsed once (the loader parses it as it reads the file). */
function parsedTemplate(file: TemplateFile): Parsed {
  return file.memo<Parsed>("go-template", () => {
    try {
      return { template: parseTemplate(file.file, file.text) };
    } catch (err) {
      return { error: templateError(err) };
    }
  });
}

/** Why a template file does not parse, or undefined when it does. */
export function templateParseError(file: TemplateFile): NetbootError | undefined {
  const parsed = parsedTemplate(file);
  return "error" in parsed ? parsed.error : undefined;
}

/** Renders a data-directory template (parsed once per snapshot) with a machine's data. */
export function renderTemplateFile(file: TemplateFile, data: TemplateData): string {
  const parsed = parsedTemplate(file);
  if ("error" in parsed) throw parsed.error;
  try {
    return parsed.template.execute(data);
  } catch (err) {
    throw templateError(err);
  }
}

function templateError(err: unknown): NetbootError {
  if (err instanceof TemplateError) return new NetbootError("NB_TEMPLATE", (err as Error).message, { cause: err });
  throw err;
}
