import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, renderChart } from "./helm.js";
import { findObject, parseManifests } from "./manifests.js";

const run = promisify(execFile);
const NETBOOT = join(REPO_ROOT, "dist/server/cli/main.js");

describe("values written by `netboot wireguard init --output values`", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "netboot-wg-values-"));
    await run(process.execPath, [
      NETBOOT, "wireguard", "init",
      "--state", join(dir, "state"),
      "--endpoint", "203.0.113.10:51820",
      "--tunnel", "10.77.0.0/24",
      "--output", `values=${join(dir, "values.yaml")}`,
    ]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("render a Secret whose keys are the state directory's files, byte for byte", async () => {
    const objects = parseManifests(await renderChart("helm4", { valuesFiles: [join(dir, "values.yaml")] }));
    const data = findObject(objects, "Secret", "rel-netboot-wireguard").data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["peers.json", "private-key", "server.json"]);
    for (const [name, encoded] of Object.entries(data)) {
      expect(Buffer.from(encoded, "base64").toString(), name).toBe(await readFile(join(dir, "state", name), "utf8"));
    }
  });
});
