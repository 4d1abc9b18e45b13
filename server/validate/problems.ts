import { compareBytes } from "../match/group.js";

/** One finding of `netboot validate`, placed at a data-directory file (and a JSON pointer in it). */
export interface Problem {
  file: string;
  pointer?: string;
  severity: "error" | "warning";
  reason: string;
}

/** `FILE[:POINTER]: severity: reason`, one line. */
export function formatProblem(problem: Problem): string {
  const where = problem.pointer ? `${problem.file}:${problem.pointer}` : problem.file;
  return `${where}: ${problem.severity}: ${problem.reason.replace(/\s*[\r\n]+\s*/g, " ").trim()}`;
}

/** File order, then pointer, errors before warnings, then reason: a stable report. */
export function sortProblems(problems: Problem[]): Problem[] {
  return problems.sort(
    (a, b) =>
      compareBytes(a.file, b.file) ||
      compareBytes(a.pointer ?? "", b.pointer ?? "") ||
      (a.severity === b.severity ? 0 : a.severity === "error" ? -1 : 1) ||
      compareBytes(a.reason, b.reason),
  );
}

export function countBySeverity(problems: readonly Problem[]): { errors: number; warnings: number } {
  let errors = 0;
  for (const p of problems) if (p.severity === "error") errors++;
  return { errors, warnings: problems.length - errors };
}
