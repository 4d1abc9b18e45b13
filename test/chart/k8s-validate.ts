import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type K8sObject, modelPath } from "./manifests.js";

const run = promisify(execFile);

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

/**
 * Checks one object against the Kubernetes OpenAPI schema compiled into
 * kubernetes-models (types, enums, required fields). Returns the problems found.
 */
export async function schemaErrors(object: K8sObject): Promise<string[]> {
  const path = modelPath(object.apiVersion, object.kind);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ `kubernetes-models/${path}`)) as Record<string, unknown>;
  } catch {
    return [`${path}: no Kubernetes schema for this apiVersion and kind`];
  }
  const Model = (mod[object.kind] ?? (mod.default as Record<string, unknown> | undefined)?.[object.kind]) as
    | ModelClass
    | undefined;
  if (!Model) return [`${path}: kubernetes-models has no ${object.kind} class`];
  try {
    new Model(object).validate();
    return [];
  } catch (err) {
    const details = (err as { errors?: unknown }).errors;
    return [`${object.kind}/${object.metadata.name}: ${(err as Error).message} ${details ? JSON.stringify(details) : ""}`];
  }
}

/**
 * The OpenAPI schemas allow unknown fields, so a misspelt `securityContex`
 * would pass. TypeScript's excess-property check on object literals does not:
 * each object becomes `const oN: IKind = {…}` and tsc reports any field the
 * Kubernetes types do not have. One tsc run covers all given objects.
 */
export async function unknownFieldErrors(objects: K8sObject[], repoRoot: string): Promise<string[]> {
  const dir = await mkdtemp(join(repoRoot, ".cache/chart-typecheck-"));
  try {
    const imports = new Map<string, string>();
    const lines: string[] = [];
    objects.forEach((object, index) => {
      const path = modelPath(object.apiVersion, object.kind);
      const alias = `I${object.kind}_${path.replace(/[^A-Za-z0-9]/g, "_")}`;
      imports.set(alias, `import type { I${object.kind} as ${alias} } from "kubernetes-models/${path}";`);
      lines.push(`// ${object.kind}/${object.metadata.name}`);
      lines.push(`export const o${index}: ${alias} = ${JSON.stringify(object, null, 2)};`);
    });
    const file = join(dir, "manifests.ts");
    await writeFile(file, [...imports.values(), ...lines].join("\n") + "\n");
    await writeFile(join(dir, "package.json"), '{"type":"module"}\n');
    const tsc = join(repoRoot, "node_modules/typescript/bin/tsc");
    const flags = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--skipLibCheck", "--types", "node", "--pretty", "false"];
    try {
      await run(process.execPath, [tsc, ...flags, file], { cwd: repoRoot, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
      return [];
    } catch (err) {
      const out = (err as { stdout?: string }).stdout ?? String(err);
      return out.split("\n").filter((line) => line.includes("error TS"));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
