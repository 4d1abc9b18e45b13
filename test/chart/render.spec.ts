import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CHART_DIR, HELM_VERSIONS, type HelmName, REPO_ROOT, helm, renderChart } from "./helm.js";
import { schemaErrors, unknownFieldErrors } from "./k8s-validate.js";
import { type K8sObject, findObject, parseManifests } from "./manifests.js";

const HELMS = Object.keys(HELM_VERSIONS) as HelmName[];

async function scenarioFiles(): Promise<string[]> {
  const names = (await readdir(join(CHART_DIR, "ci"))).filter((n) => n.endsWith("-values.yaml")).sort();
  return names.map((n) => join(CHART_DIR, "ci", n));
}

const rendered = new Map<string, K8sObject[]>();

beforeAll(async () => {
  await mkdir(join(REPO_ROOT, ".cache"), { recursive: true });
  for (const file of await scenarioFiles()) {
    for (const name of HELMS) {
      rendered.set(`${name} ${file}`, parseManifests(await renderChart(name, { valuesFiles: [file] })));
    }
  }
});

describe("helm lint --strict", () => {
  it.each(HELMS)("passes for every chart/ci scenario with %s", async (name) => {
    const files = await scenarioFiles();
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const file of files) {
      const result = await helm(name, ["lint", "--strict", CHART_DIR, "-f", file]);
      expect(result.code, `${file}\n${result.stdout}\n${result.stderr}`).toBe(0);
      expect(result.stdout).toContain("0 chart(s) failed");
    }
  });
});

describe("rendered manifests", () => {
  it("are the same with Helm 3 and Helm 4", async () => {
    for (const file of await scenarioFiles()) {
      expect(rendered.get(`helm3 ${file}`), file).toEqual(rendered.get(`helm4 ${file}`));
    }
  });

  it("validate against the Kubernetes OpenAPI schemas", async () => {
    const errors: string[] = [];
    for (const [key, objects] of rendered) {
      if (!key.startsWith("helm4")) continue;
      for (const object of objects) errors.push(...(await schemaErrors(object)));
    }
    expect(errors).toEqual([]);
  });

  it("contain no field the Kubernetes types do not know", async () => {
    const all = [...rendered].filter(([key]) => key.startsWith("helm4")).flatMap(([, objects]) => objects);
    expect(await unknownFieldErrors(all, REPO_ROOT)).toEqual([]);
  });

  it("the unknown-field check catches a misspelt field", async () => {
    const [first] = [...rendered.values()];
    const deployment = structuredClone(findObject(first!, "Deployment"));
    const pod = (deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec;
    pod.containers[0]!.securityContex = { runAsNonRoot: true };
    const errors = await unknownFieldErrors([deployment], REPO_ROOT);
    expect(errors.join("\n")).toContain("securityContex");
  });
});

describe("the schema check", () => {
  it("catches a wrong type and a bad enum value", async () => {
    const [first] = [...rendered.values()];
    const deployment = structuredClone(findObject(first!, "Deployment"));
    (deployment.spec as Record<string, unknown>).replicas = "two";
    expect((await schemaErrors(deployment)).join("\n")).toContain("replicas");
    const service = structuredClone(findObject(first!, "Service", "rel-netboot"));
    (service.spec as { ports: { protocol: string }[] }).ports[0]!.protocol = "tcp";
    expect((await schemaErrors(service)).join("\n")).toContain("protocol");
  });
});
