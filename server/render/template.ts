import { NetbootError } from "../errors.js";
import type { TemplateFile } from "../store/snapshot.js";
import { utf8Decode } from "../template/bytestring.js";
import { parseTemplate, TemplateError, type GoTemplate } from "../template/index.js";
import type { TemplateData } from "./template-data.js";

type Parsed = { template: GoTemplate } | { error: NetbootError };

/** A data-directory template, parsed once per snapshot. */
export function parsedTemplate(file: TemplateFile): GoTemplate {
  const parsed = file.memo<Parsed>("go-template", () => {
    try {
      return { template: parseTemplate(file.file, file.text) };
    } catch (err) {
      return { error: templateError(file, err) };
    }
  });
  if ("error" in parsed) throw parsed.error;
  return parsed.template;
}

/** Why a template file does not parse, or undefined when it does (the loader asks as it reads the file). */
export function templateParseError(file: TemplateFile): NetbootError | undefined {
  try {
    parsedTemplate(file);
    return undefined;
  } catch (err) {
    if (err instanceof NetbootError) return err;
    throw err;
  }
}

/** Go's exact output bytes of a data-directory template rendered with a machine's data. */
export function renderTemplateBytes(file: TemplateFile, data: TemplateData): Buffer {
  const template = parsedTemplate(file);
  try {
    return template.executeBytes(data);
  } catch (err) {
    throw templateError(file, err);
  }
}

/**
 * The output as a string in which bytes that are not UTF-8 stay escaped
 * (server/template/bytestring.ts): a YAML parser then refuses them, as
 * Butane's does.
 */
export function renderTemplateFile(file: TemplateFile, data: TemplateData): string {
  return utf8Decode(renderTemplateBytes(file, data));
}

function templateError(file: TemplateFile, err: unknown): NetbootError {
  if (err instanceof TemplateError) return new NetbootError("NB_TEMPLATE", err.message, { cause: err });
  // A limit the engine's own accounting missed must still be a configuration error naming the file.
  if (err instanceof RangeError) return new NetbootError("NB_TEMPLATE", `template: ${file.file}: ${err.message}`, { cause: err });
  throw err;
}
