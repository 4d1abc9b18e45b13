/**
 * Runs Debian's real `ignition-validate` (package `ignition`, 2.14) on a
 * config netboot produced. That build knows spec 3.4 only as
 * "3.4.0-experimental", so the version string is rewritten for it (3.5.0
 * too: its only addition, `luks.cex`, then shows up as an unused key).
 * A missing binary is a test failure, never a skip.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { expect } from "vitest";

const CANDIDATES = ["/usr/bin/ignition-validate", "/usr/local/bin/ignition-validate"];

export function ignitionValidateBinary(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      "ignition-validate is not installed (Debian package `ignition`, listed in .ci/apt-packages.txt); it is required to check generated Ignition",
    );
  }
  return found;
}

/** Fields final 3.4/3.5 added that the 2.14 experimental schema reports as unused keys. */
const NEWER_FIELDS = new Set(["discard", "openOptions", "advertisement", "cex"]);

export function runIgnitionValidate(json: string): { status: number; output: string } {
  const forOldValidator = json.replace(/"version":"3\.[45]\.0"/g, '"version":"3.4.0-experimental"');
  const result = spawnSync(ignitionValidateBinary(), ["-"], { input: forOldValidator, encoding: "utf8", timeout: 20_000 });
  if (result.error) throw result.error;
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}`.trim() };
}

/** Asserts the real validator accepts the config and reports no unknown key beyond the known newer fields. */
export function expectIgnitionValid(json: string): void {
  const { status, output } = runIgnitionValidate(json);
  expect(output.split("\n").filter((l) => l.includes("error")), output).toEqual([]);
  expect(status, output).toBe(0);
  const unknown = [...output.matchAll(/Unused key (\S+)/g)].map((m) => m[1]!).filter((k) => !NEWER_FIELDS.has(k));
  expect(unknown, output).toEqual([]);
}
