/**
 * The test oracle: Go's own text/template (Go 1.25, compiled to WebAssembly,
 * missingkey=error, template name "tpl"), compared with this engine.
 */
import { parse as oracleRender } from "@evertdespiegeleer/go-template";
import { type GoTemplate, TemplateError, parseTemplate } from "../../server/template/index.js";

export type Outcome = { ok: true; output: string } | { ok: false; parse: boolean; message: string };

const PARSE_PREFIX = "Template parse error: ";

export async function runOracle(text: string, data: unknown): Promise<Outcome> {
  try {
    return { ok: true, output: await oracleRender(text, data) };
  } catch (err) {
    const message = (err as Error).message ?? "";
    if (message.startsWith(PARSE_PREFIX)) return { ok: false, parse: true, message: message.slice(PARSE_PREFIX.length) };
    return { ok: false, parse: false, message };
  }
}

/** Go on WebAssembly allows 1000 nested template calls; give this engine the same room, and no other bounds in the way. */
export const ORACLE_LIMITS = { maxDepth: 1000, maxSteps: 50_000_000, maxOutputBytes: 64 * 1024 * 1024, maxFunctionBytes: 1024 * 1024 * 1024 };

/** This engine's outcome for a text named "tpl", executed by `run`. */
export function runEngine(text: string, run: (template: GoTemplate) => string): Outcome {
  let template;
  try {
    template = parseTemplate("tpl", text);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { ok: false, parse: true, message: err.message };
  }
  try {
    return { ok: true, output: run(template) };
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { ok: false, parse: false, message: err.message };
  }
}

export function runOurs(text: string, data: unknown): Outcome {
  return runEngine(text, (template) => template.execute(data, ORACLE_LIMITS));
}

/**
 * The oracle reports only the tail of an execution error of the main template
 * ("tpl") and an empty message for errors inside defined templates; compare
 * what it keeps.
 */
function execTail(message: string): string | null {
  const m = /^template: tpl:\d+:\d+: executing "tpl" at <.*?>: (.*)$/s.exec(message);
  if (m) return m[1]!;
  const plain = /^template: tpl: (.*)$/s.exec(message);
  return plain ? plain[1]! : null;
}

/** null when the two outcomes agree, otherwise a description of the difference. */
export function difference(oracle: Outcome, ours: Outcome): string | null {
  if (oracle.ok && ours.ok) {
    return oracle.output === ours.output ? null : `output differs: oracle ${JSON.stringify(oracle.output)}, ours ${JSON.stringify(ours.output)}`;
  }
  if (oracle.ok !== ours.ok) {
    return `oracle ${oracle.ok ? "succeeded: " + JSON.stringify(oracle.output) : "failed: " + oracle.message}; ours ${ours.ok ? "succeeded: " + JSON.stringify(ours.output) : "failed: " + ours.message}`;
  }
  if (oracle.ok || ours.ok) return null;
  if (oracle.parse !== ours.parse) return `oracle ${oracle.parse ? "parse" : "exec"} error "${oracle.message}", ours ${ours.parse ? "parse" : "exec"} error "${ours.message}"`;
  if (oracle.parse) return oracle.message === ours.message ? null : `parse error differs: oracle "${oracle.message}", ours "${ours.message}"`;
  if (oracle.message === "") return null;
  // The oracle's message ends at the first line terminator (its regex `.` stops there).
  const tail = execTail(ours.message)?.split(/[\n\r\u2028\u2029]/)[0];
  return tail === oracle.message ? null : `exec error differs: oracle "${oracle.message}", ours "${ours.message}"`;
}

export interface Comparison {
  oracle: Outcome;
  ours: Outcome;
  difference: string | null;
}

export async function compareWithOracle(text: string, data: unknown): Promise<Comparison> {
  // Both engines see the data as it comes out of JSON (the oracle serialises it).
  const json = JSON.parse(JSON.stringify(data));
  const oracle = await runOracle(text, json);
  const ours = runOurs(text, json);
  return { oracle, ours, difference: difference(oracle, ours) };
}
