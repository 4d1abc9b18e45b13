/** A location inside a config: object keys and list indexes from the root. */
export type ConfigPath = ReadonlyArray<string | number>;

/** `storage.files[2].path`; the root is `$`. */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out === "" ? "$" : out;
}

/** A problem found in a config, fatal or not. */
export interface ConfigIssue {
  path: ConfigPath;
  message: string;
}
