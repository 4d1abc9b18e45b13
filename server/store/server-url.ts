/**
 * The URL machines are given to reach the server. Matchbox profiles are not
 * templated, so example data names a placeholder origin instead, and
 * `-server-url` replaces it in every profile and template file as it is read.
 * A file without the placeholder is served exactly as it is on disk.
 */
import { bootTexts } from "./fields.js";
import type { Snapshot } from "./snapshot.js";

/** The placeholder origin the example profiles use. */
export const PLACEHOLDER_ORIGIN = "http://netboot.example.internal:8080";

/** Replaces every occurrence of the placeholder origin in a file's text with `url`. */
export function replacePlaceholderOrigin(text: string, url: string): string {
  return text.includes(PLACEHOLDER_ORIGIN) ? text.split(PLACEHOLDER_ORIGIN).join(url) : text;
}

/** The data files (profiles' boot fields, templates) that name the placeholder origin. */
export function filesNamingPlaceholder(snapshot: Snapshot): string[] {
  const files: string[] = [];
  for (const [file, profile] of snapshot.profiles) {
    const boot = profile.boot;
    if (boot && bootTexts(boot).some(({ text }) => text.includes(PLACEHOLDER_ORIGIN))) files.push(file);
  }
  for (const [file, template] of snapshot.templates) if (template.text.includes(PLACEHOLDER_ORIGIN)) files.push(file);
  return files;
}
