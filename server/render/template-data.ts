import type { Labels } from "../match/labels.js";
import type { Group } from "../store/types.js";
import { StringMap } from "../template/index.js";
import { goToLower } from "../util/case.js";

export type TemplateData = Record<string, unknown>;

/**
 * The data a template sees, built as Matchbox builds it, with Go's types: a
 * map[string]interface {} of the group's metadata (as encoding/json decodes
 * it), then its selectors as strings under lower-cased keys (so a selector
 * overrides metadata of the same name), then `request` = a
 * map[string]interface {} of { query: the labels as a map[string]string,
 * raw_query: string }.
 */
export function templateData(group: Group, labels: Labels, rawQuery: string): TemplateData {
  const data: TemplateData = Object.create(null);
  data.request = Object.create(null);
  if (group.metadata) {
    for (const [key, value] of Object.entries(group.metadata)) setOwn(data, key, value);
  }
  for (const [key, value] of Object.entries(group.selector)) setOwn(data, goToLower(key), value);
  const request: Record<string, unknown> = Object.create(null);
  request.query = new StringMap(labels);
  request.raw_query = rawQuery;
  data.request = request;
  return data;
}

/** Assignment that treats `__proto__` as an ordinary key. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
