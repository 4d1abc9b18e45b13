/**
 * Template and Butane limits bound time and memory, not only output size,
 * through the real server (the built CLI in a child process) and real files:
 *
 * - templates past a limit answer a configuration 500 naming the file, quickly
 *   (a printf width of ten million, sixty of them in one format, a 16 MiB
 *   template, Butane aliases expanding to 32 M characters);
 * - while clients hammer the most expensive templates the limits allow, each
 *   request with other labels so no cached answer helps, /healthz keeps
 *   answering within a second (beyond what a bare node:http server on the
 *   same, possibly busy, machine takes).
 */
import { spawn } from "node:child_process";
import { request, Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadButaneYaml } from "../../server/render/butane/yaml.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer, type ChildServer } from "./support/child-server.js";
import { bootableFiles } from "./support/fixtures.js";

const HEADER = "variant: fcos\nversion: 1.5.0\n";

const REFERENCE_SERVER =
  'require("node:http").createServer((q, s) => s.end("ok\\n")).listen(0, "127.0.0.1", function () { console.log(this.address().port); })';

/** The most `storage.files` entries a Butane document may have (it must stay within the node limit). */
function filesWithinNodeLimit(): number {
  const entry = (i: number) => `    - path: /etc/f${i}\n      mode: 0644\n      contents:\n        inline: hello world ${i}\n`;
  let n = 4000;
  for (;;) {
    const doc = HEADER + "storage:\n  files:\n" + Array.from({ length: n }, (_, i) => entry(i)).join("");
    try {
      loadButaneYaml(doc);
      return n;
    } catch {
      n -= 100;
    }
  }
}

/** The worst templates the limits allow: each runs to a limit, or just under one. */
function worstTemplates(): Record<string, { kind: "generic" | "ignition"; file: string; text: string; metadata?: Record<string, unknown> }> {
  const files = filesWithinNodeLimit();
  const big = "a".repeat(300 * 1024);
  return {
    steps: { kind: "generic", file: "steps.tmpl", text: '{{range 9223372036854775807}}{{printf "%v %q" . $.s}}{{end}}', metadata: { s: "x<y" } },
    functions: { kind: "generic", file: "functions.tmpl", text: "{{range 9223372036854775807}}{{len (js $.special)}}{{end}}", metadata: { special: "<&'é".repeat(16384) } },
    output: { kind: "generic", file: "output.tmpl", text: "{{range 1000}}{{$.chunk}}{{end}}", metadata: { chunk: "x".repeat(4000) } },
    tokens: { kind: "generic", file: "tokens.tmpl", text: "{{.s}}".repeat(16_500), metadata: { s: "é<" } },
    nodes: {
      kind: "ignition",
      file: "nodes.bu",
      text: HEADER + "storage:\n  files:\n{{range .files}}    - path: /etc/f{{.}}\n      mode: 0644\n      contents:\n        inline: hello world {{.}}\n{{end}}",
      metadata: { files: Array.from({ length: files }, (_, i) => i) },
    },
    inline: { kind: "ignition", file: "inline.bu", text: `${HEADER}x: &big "${big}"\nstorage:\n  files:\n    - path: /a\n      contents:\n        inline: *big\n    - path: /b\n      contents:\n        inline: *big\n` },
  };
}

const OVER_LIMIT: Record<string, { kind: "generic" | "ignition"; file: string; text: string }> = {
  printf50: { kind: "generic", file: "printf50.tmpl", text: '{{len (printf "%9999999d" 1)}}'.repeat(50) },
  printf60: { kind: "generic", file: "printf60.tmpl", text: '{{printf "' + "%9999999d".repeat(60) + '"' + " 1".repeat(60) + "}}" },
  huge: { kind: "generic", file: "huge.tmpl", text: "{{.s}}".repeat(2_600_000) },
  laughs: {
    kind: "ignition",
    file: "laughs.bu",
    text: `${HEADER}x: &big "${"a".repeat(256 * 1024)}"\nstorage:\n  files:\n` + Array.from({ length: 120 }, (_, i) => `    - path: /f${i}\n      contents:\n        inline: *big\n`).join(""),
  },
};

function dataFiles(): Record<string, string> {
  const out: Record<string, string> = { ...bootableFiles() };
  const add = (role: string, t: { kind: "generic" | "ignition"; file: string; text: string; metadata?: Record<string, unknown> }) => {
    out[`${t.kind}/${t.file}`] = t.text;
    out[`profiles/${role}.json`] = json({ id: role, [`${t.kind}_id`]: t.file });
    out[`groups/${role}.json`] = json({ id: role, profile: role, selector: { role }, ...(t.metadata ? { metadata: t.metadata } : {}) });
  };
  for (const [role, t] of Object.entries(worstTemplates())) add(role, t);
  for (const [role, t] of Object.entries(OVER_LIMIT)) add(role, t);
  return out;
}

describe("bounded template and Butane cost, through the real server", () => {
  let server: ChildServer;
  let dataDir: string;
  beforeAll(async () => {
    const cli = ensureBuiltCli();
    dataDir = makeDataDir(dataFiles());
    server = await spawnServer(cli, ["-data-path", dataDir, "-assets-path", dataDir]);
  }, 300_000);
  afterAll(() => {
    server?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it.each(Object.entries(OVER_LIMIT))("answers %s with a configuration 500 naming the file, quickly", async (role, t) => {
    const started = performance.now();
    const res = await request(`${server.url}/${t.kind}?role=${role}`);
    const body = await res.body.text();
    expect(res.statusCode).toBe(500);
    expect(body).toContain(`${t.kind}/${t.file}`);
    expect(body).not.toBe("500 internal server error\n");
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it("answers /healthz within a second while the worst allowed templates render", { timeout: 120_000 }, async () => {
    // A bare node:http server beside it shares the machine's load but renders nothing: what it
    // takes to answer is the machine's share, the rest of /healthz's time is netboot's.
    const reference = spawn(process.execPath, ["-e", REFERENCE_SERVER], { stdio: ["ignore", "pipe", "ignore"] });
    const referencePort = await new Promise<string>((resolve) => reference.stdout.once("data", (chunk) => resolve(String(chunk).trim())));
    const roles = Object.keys(worstTemplates());
    const hammer = new Agent({ connections: 16 });
    const probe = new Agent({ connections: 2 });
    const deadline = performance.now() + 8000;
    const statuses = new Map<string, number>();
    let generic500 = 0;
    let counter = 0;
    const client = async () => {
      while (performance.now() < deadline) {
        const role = roles[counter % roles.length]!;
        const res = await request(`${server.url}/${role === "nodes" || role === "inline" ? "ignition" : "generic"}?role=${role}&n=${counter++}`, { dispatcher: hammer });
        if (res.statusCode === 500) {
          const body = await res.body.text();
          if (!body.includes(".tmpl") && !body.includes(".bu")) generic500++;
        } else {
          await res.body.dump();
        }
        statuses.set(`${role} ${res.statusCode}`, (statuses.get(`${role} ${res.statusCode}`) ?? 0) + 1);
      }
    };
    const timed = async (url: string) => {
      const started = performance.now();
      const res = await request(url, { dispatcher: probe });
      expect(await res.body.text()).toBe("ok\n");
      return performance.now() - started;
    };
    const health: number[] = [];
    const machine: number[] = [];
    const prober = async () => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      while (performance.now() < deadline) {
        const [h, m] = await Promise.all([timed(`${server.url}/healthz`), timed(`http://127.0.0.1:${referencePort}/`)]);
        health.push(h);
        machine.push(m);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    try {
      await Promise.all([...Array.from({ length: 12 }, client), prober()]);
    } finally {
      await hammer.close();
      await probe.close();
      reference.kill();
    }
    const excess = health.map((h, i) => h - machine[i]!);
    const summary = (xs: number[]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`;
    };
    console.log(
      `/healthz under load: ${health.length} probes, ${summary(health)} (bare node:http beside it: ${summary(machine)}; netboot's excess ${summary(excess)}); ` +
        `${counter} renders: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    expect(generic500).toBe(0);
    expect(health.length).toBeGreaterThan(10);
    expect(Math.max(...excess)).toBeLessThan(1000);
    // Every worst template was rendered, and each ended where it should: steps and functions at their limits.
    expect(statuses.get("steps 500")).toBeGreaterThan(0);
    expect(statuses.get("functions 500")).toBeGreaterThan(0);
    for (const role of ["output", "tokens", "nodes", "inline"]) expect(statuses.get(`${role} 200`), role).toBeGreaterThan(0);
  });
});
