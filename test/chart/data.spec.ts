import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHART_DIR, REPO_ROOT, helm, renderChart } from "./helm.js";
import { findObject, parseManifests } from "./manifests.js";
import { podTemplate } from "./pod.js";

const FOLDERS = ["profiles", "groups", "ignition", "generic", "sources"] as const;
const NO_WG = { "wireguard.enabled": "false" };

async function render(chartDir: string, set: Record<string, string> = {}, setString: Record<string, string> = {}) {
  return parseManifests(await renderChart("helm4", { chartDir, set: { ...NO_WG, ...set }, setString }));
}
function configMapData(objects: ReturnType<typeof parseManifests>, folder: string): Record<string, string> {
  return (findObject(objects, "ConfigMap", `rel-netboot-${folder}`).data as Record<string, string> | undefined) ?? {};
}
function checksums(objects: ReturnType<typeof parseManifests>): Record<string, string> {
  return podTemplate(findObject(objects, "Deployment")).metadata.annotations ?? {};
}

describe("data from the repository's top-level folders", () => {
  it.each(FOLDERS)("ships every file of %s/ in its ConfigMap, byte for byte", async (folder) => {
    const objects = await render(CHART_DIR);
    const names = (await readdir(join(REPO_ROOT, folder), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith(".") && e.name !== "README.md")
      .map((e) => e.name)
      .sort();
    const data = configMapData(objects, folder);
    expect(Object.keys(data).sort()).toEqual(names);
    for (const name of names) expect(data[name]).toBe(await readFile(join(REPO_ROOT, folder, name), "utf8"));
    const mount = podTemplate(findObject(objects, "Deployment"))
      .spec.containers[0]!.volumeMounts!.find((m) => m.name === folder);
    expect(mount).toEqual({ name: folder, mountPath: `/var/lib/netboot/${folder}`, readOnly: true });
  });
});

describe("a packaged chart", () => {
  it("carries the data folders' files (symlinks are followed) and renders the same", async () => {
    const dir = await mkdtemp(join(tmpdir(), "netboot-package-"));
    try {
      const packaged = await helm("helm4", ["package", CHART_DIR, "-d", dir]);
      expect(packaged.code, packaged.stderr).toBe(0);
      const archive = join(dir, (await readdir(dir)).find((n) => n.endsWith(".tgz"))!);
      const fromArchive = await render(archive);
      const fromDir = await render(CHART_DIR);
      for (const folder of FOLDERS) expect(configMapData(fromArchive, folder)).toEqual(configMapData(fromDir, folder));
      expect(fromArchive).toEqual(fromDir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("dropping a file into a folder, then upgrading", () => {
  let chartCopy: string;
  beforeAll(async () => {
    chartCopy = join(await mkdtemp(join(tmpdir(), "netboot-chart-")), "chart");
    await cp(CHART_DIR, chartCopy, { recursive: true, verbatimSymlinks: true });
    for (const folder of FOLDERS) {
      await rm(join(chartCopy, "files", folder), { force: true, recursive: true });
      await mkdir(join(chartCopy, "files", folder));
    }
  });
  afterAll(async () => {
    await rm(join(chartCopy, ".."), { recursive: true, force: true });
  });

  it("adds the file to the ConfigMap and leaves the pod template as it was (no rollout)", async () => {
    const before = await render(chartCopy);
    expect(configMapData(before, "profiles")).toEqual({});
    const profile = 'id: worker\nboot:\n  kernel: /assets/vmlinuz\n  args: ["console=ttyS0", "key: value"]\n';
    await writeFile(join(chartCopy, "files/profiles/worker.yaml"), profile);
    await writeFile(join(chartCopy, "files/groups/worker.json"), '{"id":"worker","profile":"worker"}\n');
    const after = await render(chartCopy);
    expect(configMapData(after, "profiles")).toEqual({ "worker.yaml": profile });
    expect(configMapData(after, "groups")).toEqual({ "worker.json": '{"id":"worker","profile":"worker"}\n' });
    expect(podTemplate(findObject(after, "Deployment"))).toEqual(podTemplate(findObject(before, "Deployment")));
  });

  it("keeps awkward content exact: blank lines, indentation, quotes, CRLF, unicode, document markers", async () => {
    const contents = ["a\n\n\n", "  indented\n\ttab\n", "no newline", "---\n# not a comment\n...\n", 'say "hi" \\ \'x\'\r\n', "é中🚀\n", "", "key: {{ .x }}\n"];
    for (const [i, content] of contents.entries()) await writeFile(join(chartCopy, `files/generic/f${i}.txt`), content);
    try {
      const data = configMapData(await render(chartCopy), "generic");
      contents.forEach((content, i) => expect(data[`f${i}.txt`], JSON.stringify(content)).toBe(content));
    } finally {
      for (const i of contents.keys()) await rm(join(chartCopy, `files/generic/f${i}.txt`));
    }
  });

  it("lets values add or replace files (values win)", async () => {
    const file = join(chartCopy, "..", "replacement.yaml");
    await writeFile(file, "id: replaced\n");
    const objects = parseManifests(
      await renderChart("helm4", {
        chartDir: chartCopy,
        set: NO_WG,
        setString: { "data.generic.hello\\.txt": "hi" },
        setFile: { "data.profiles.worker\\.yaml": file },
      }),
    );
    expect(configMapData(objects, "profiles")["worker.yaml"]).toBe("id: replaced\n");
    expect(configMapData(objects, "generic")).toEqual({ "hello.txt": "hi" });
  });

  it("skips the chart's files when data.fromChartFiles is false", async () => {
    const objects = await render(chartCopy, { "data.fromChartFiles": "false" });
    expect(configMapData(objects, "profiles")).toEqual({});
  });

  it("refuses a file name that cannot be a ConfigMap key", async () => {
    await writeFile(join(chartCopy, "files/ignition/bad name.ign"), "{}");
    try {
      const result = await helm("helm4", ["template", "rel", chartCopy, "--set", "wireguard.enabled=false"]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('data.ignition: file name "bad name.ign" is not a valid ConfigMap key');
    } finally {
      await rm(join(chartCopy, "files/ignition/bad name.ign"));
    }
  });

  it("mounts a user's ConfigMap instead and renders none of its own for that folder", async () => {
    const objects = await render(chartCopy, { "data.existingConfigMaps.groups": "my-groups" });
    expect(objects.some((o) => o.kind === "ConfigMap" && o.metadata.name === "rel-netboot-groups")).toBe(false);
    const volume = podTemplate(findObject(objects, "Deployment")).spec.volumes!.find((v) => v.name === "groups");
    expect(volume?.configMap?.name).toBe("my-groups");
  });
});

describe("WireGuard state changes", () => {
  const defaults = join(CHART_DIR, "ci/default-values.yaml");
  const withPeer = async (name: string, set: Record<string, string> = {}) => {
    const dir = await mkdtemp(join(tmpdir(), "netboot-peers-"));
    try {
      const file = join(dir, "peers.json");
      await writeFile(file, JSON.stringify({ peers: [{ name, address: "10.77.0.2", lan: ["198.51.100.0/24"] }] }));
      const text = await renderChart("helm4", { valuesFiles: [defaults], set, setFile: { "wireguard.state.peers\\.json": file } });
      return checksums(parseManifests(text));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it("do not roll the pods by default: the sidecar applies the mounted Secret live", async () => {
    const a = await withPeer("a");
    const b = await withPeer("b");
    expect(a["checksum/wireguard"]).toBeUndefined();
    expect(a).toEqual(b);
  });

  it("roll the pods with wireguard.rollOnChange", async () => {
    const a = await withPeer("a", { "wireguard.rollOnChange": "true" });
    const b = await withPeer("b", { "wireguard.rollOnChange": "true" });
    expect(a["checksum/wireguard"]).toMatch(/^[0-9a-f]{64}$/);
    expect(a["checksum/wireguard"]).not.toBe(b["checksum/wireguard"]);
  });
});
