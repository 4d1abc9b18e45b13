import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/** Shortest bearer token accepted: guessing must stay out of reach (`openssl rand -hex 32` gives 64). */
export const MIN_TOKEN_CHARS = 16;

/** The token a file holds (surrounding whitespace and a final newline dropped); throws with a reason that never quotes it. */
function tokenOf(text: string, file: string): string {
  const token = text.trim();
  if (token.length < MIN_TOKEN_CHARS) throw new Error(`the API token in ${file} is shorter than ${MIN_TOKEN_CHARS} characters`);
  if (/\s/.test(token)) throw new Error(`the API token in ${file} holds whitespace: one token, on one line`);
  return token;
}

/** Reads the write API's bearer token at start, to fail early. */
export function readApiTokenSync(file: string): string {
  return tokenOf(readFileSync(file, "utf8"), file);
}

/** Reads the token again for a request, so a rotated Secret applies without a restart. */
export async function readApiToken(file: string): Promise<string> {
  return tokenOf(await readFile(file, "utf8"), file);
}
