import { readFileSync, writeFileSync } from "node:fs";

function statusField(name: string, pid: number | "self" = "self"): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** The highest resident set size another process has had (VmHWM), in bytes. */
export const peakResidentBytesOf = (pid: number) => statusField("VmHWM", pid);

/** Current resident set size of this process (or another), in bytes. */
export const residentBytes = (pid: number | "self" = "self") => statusField("VmRSS", pid);

/**
 * Runs `work` and returns how far this process's peak resident set rose above
 * its size at the start (Linux: the peak is reset through /proc/self/clear_refs).
 */
export async function peakResidentGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growthBytes: number }> {
  writeFileSync("/proc/self/clear_refs", "5");
  const before = residentBytes();
  const result = await work();
  return { result, growthBytes: statusField("VmHWM") - before };
}
