import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CHART_DIR = join(REPO_ROOT, "chart");

/** The pinned Helm releases the chart is tested with (see scripts/fetch-helm.sh). */
export const HELM_VERSIONS = { helm4: "4.1.4", helm3: "3.18.0" } as const;
export type HelmName = keyof typeof HELM_VERSIONS;

export function helmBinary(name: HelmName): string {
  const path = join(REPO_ROOT, ".cache/helm", HELM_VERSIONS[name], "helm");
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run scripts/fetch-helm.sh ${name === "helm4" ? 4 : 3} first`);
  }
  return path;
}

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs helm with a private HOME so no user configuration or repository cache leaks in. */
export async function helm(name: HelmName, args: string[]): Promise<HelmResult> {
  const home = join(REPO_ROOT, ".cache/helm/home");
  try {
    const { stdout, stderr } = await run(helmBinary(name), args, {
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        HELM_CACHE_HOME: join(home, "cache"),
        HELM_CONFIG_HOME: join(home, "config"),
        HELM_DATA_HOME: join(home, "data"),
        KUBECONFIG: join(home, "no-kubeconfig"),
      },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** `helm template` that must succeed; returns the rendered YAML. */
export async function renderChart(
  name: HelmName,
  options: { chartDir?: string; valuesFiles?: string[]; set?: Record<string, string>; setString?: Record<string, string>; setFile?: Record<string, string> } = {},
): Promise<string> {
  const args = ["template", "rel", options.chartDir ?? CHART_DIR, "--namespace", "boot"];
  for (const file of options.valuesFiles ?? []) args.push("-f", file);
  for (const [key, value] of Object.entries(options.set ?? {})) args.push("--set", `${key}=${value}`);
  for (const [key, value] of Object.entries(options.setString ?? {})) args.push("--set-string", `${key}=${value}`);
  for (const [key, path] of Object.entries(options.setFile ?? {})) args.push("--set-file", `${key}=${path}`);
  const result = await helm(name, args);
  if (result.code !== 0) throw new Error(`helm ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout;
}
