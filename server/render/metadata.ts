import { formatGoFloat, StringMap } from "../template/index.js";
import { goToUpper } from "../util/case.js";
import type { TemplateData } from "./template-data.js";

/**
 * Template data as `KEY=value` lines: keys upper-cased, nested objects
 * flattened with `_`, arrays and nulls left out, values printed as Go's `%v`
 * prints them (no quoting, as Matchbox). Lines are sorted, unlike Matchbox's
 * random order, so answers are stable.
 */
export function renderMetadata(data: TemplateData): string {
  const lines: string[] = [];
  const walk = (prefix: string, object: Record<string, unknown>) => {
    for (const key of Object.keys(object)) {
      const name = prefix + key;
      const value = object[key];
      if (typeof value === "string") lines.push(`${goToUpper(name)}=${value}`);
      else if (typeof value === "boolean") lines.push(`${goToUpper(name)}=${value}`);
      else if (typeof value === "number") lines.push(`${goToUpper(name)}=${formatGoFloat(value)}`);
      else if (value instanceof StringMap) walk(name + "_", Object.fromEntries(value.keys().map((k) => [k, value.get(k)])));
      else if (value !== null && typeof value === "object" && !Array.isArray(value)) walk(name + "_", value as Record<string, unknown>);
    }
  };
  walk("", data);
  lines.sort();
  return lines.map((line) => line + "\n").join("");
}
