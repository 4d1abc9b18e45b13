import { NetbootError } from "../errors.js";
import type { TemplateFile } from "../store/snapshot.js";
import { parseTemplate, TemplateError, type GoTemplate } from "../template/index.js";
import type { TemplateData } from "./template-data.js";

type Parsed = { template: GoTemplate } | { error: NetbootError };

/** Renders a data-directory template (parsed once per snapshot) with a machine's data. */
export function renderTemplateFile(file: TemplateFile, data: TemplateData): string {
  const parsed = file.memo<Parsed>("go-template", () => {
    try {
      return { template: parseTemplate(file.file, file.text) };
    } catch (err) {
      return { error: templateError(err) };
    }
  });
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
