/** `--output KIND=FILE`: Kubernetes Secret and Helm values written next to the state directory. */
import { helmValues, secretManifest } from "./manifests.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import type { WireGuardState } from "./state.js";

export type OutputKind = "secret" | "values";

export interface OutputRequest {
  kind: OutputKind;
  /** null: standard output. */
  path: string | null;
}

/** Parses `secret`, `values` (to stdout), `secret=FILE` or `values=FILE`. */
export function parseOutputRequest(text: string): OutputRequest {
  const match = /^(secret|values)(?:=(.+))?$/.exec(text);
  if (!match) throw new Error(`--output ${text}: use secret, values, secret=FILE or values=FILE`);
  return { kind: match[1] as OutputKind, path: match[2] ?? null };
}

export function parseOutputRequests(texts: string[] | undefined): OutputRequest[] {
  const requests = (texts ?? []).map(parseOutputRequest);
  if (requests.filter((r) => r.path === null).length > 1) {
    throw new Error("only one --output can go to standard output; give the others a file (KIND=FILE)");
  }
  return requests;
}

/** The files' contents. Values point at the Secret when one is written too, else embed the state. */
export function renderOutputs(
  state: WireGuardState,
  requests: OutputRequest[],
  secretName: string,
): { path: string | null; content: string }[] {
  const withSecret = requests.some((r) => r.kind === "secret");
  return requests.map((r) => ({
    path: r.path,
    content:
      r.kind === "secret"
        ? secretManifest(state, secretName)
        : helmValues(state, withSecret ? { existingSecret: secretName } : {}),
  }));
}

/** Writes the files; returns what goes to standard output (or null) and the paths written. */
export async function writeOutputs(
  state: WireGuardState,
  requests: OutputRequest[],
  secretName: string,
): Promise<{ stdout: string | null; written: string[] }> {
  let stdout: string | null = null;
  const written: string[] = [];
  for (const file of renderOutputs(state, requests, secretName)) {
    if (file.path === null) {
      stdout = file.content;
      continue;
    }
    // Mode 0600: a Secret manifest, and values without a Secret, hold the private key.
    await writeFileAtomic(file.path, file.content, { mode: 0o600 });
    written.push(file.path);
  }
  return { stdout, written };
}
