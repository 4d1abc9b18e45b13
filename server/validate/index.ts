import { declaredFiles, conflictingDeclarations } from "../images/declaration.js";
import { FileCache, loadSnapshot } from "../store/loader.js";
import type { Snapshot } from "../store/snapshot.js";
import { checkAssets } from "./assets.js";
import { formatProblem, sortProblems, type Problem } from "./problems.js";
import { checkRendering } from "./render.js";
import { checkStructure } from "./structure.js";

export { formatProblem, countBySeverity, type Problem } from "./problems.js";

export interface ValidateOptions {
  /** Also check that local `/assets/…` paths in profiles exist here (or are declared in sources/). */
  assetsPath?: string;
}

export interface ValidationReport {
  problems: Problem[];
  groups: number;
  profiles: number;
  templates: number;
  durationMs: number;
}

/** Every problem of a loaded snapshot: its files' own, the directory's structure, assets and rendering. */
export async function validateSnapshot(snapshot: Snapshot, options: ValidateOptions = {}): Promise<Problem[]> {
  const rendering = checkRendering(snapshot);
  // A template that does not parse is reported by the rendering check, with a group it fails for.
  const renderErrors = new Set(rendering.filter((p) => p.severity === "error").map((p) => p.file));
  const own = snapshot.problems.filter((p) => !(renderErrors.has(p.file) && snapshot.templates.has(p.file) && !p.servingLastGood));
  const problems: Problem[] = own.map((p) => ({
    file: p.file,
    ...(p.pointer ? { pointer: p.pointer } : {}),
    severity: p.severity,
    reason: p.message,
  }));
  problems.push(...checkStructure(snapshot));
  problems.push(...(await checkAssets(snapshot.profiles.values(), options.assetsPath, snapshot.sources, declaredFiles(snapshot.sources))));
  for (const c of conflictingDeclarations(snapshot.sources)) problems.push({ file: c.file, pointer: c.pointer, severity: "warning", reason: c.message });
  problems.push(...rendering);
  return sortProblems(unique(problems));
}

/** A file rejected once is reported once, however many references led the loader to it. */
function unique(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Loads a data directory the way the server does and validates it. */
export async function validateDataDir(dataDir: string, options: ValidateOptions = {}): Promise<ValidationReport> {
  const started = performance.now();
  const snapshot = await loadSnapshot(dataDir, new FileCache(), 1);
  const problems = await validateSnapshot(snapshot, options);
  return {
    problems,
    groups: snapshot.groups.length,
    profiles: snapshot.profiles.size,
    templates: snapshot.templates.size,
    durationMs: performance.now() - started,
  };
}
