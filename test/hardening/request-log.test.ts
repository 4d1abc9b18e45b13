import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDataDir, removeDir } from "../support/data-dir.js";
import { ensureBuiltCli } from "./support/built-cli.js";
import { spawnServer } from "./support/child-server.js";
import { bootableFiles, GOOD_MAC } from "./support/fixtures.js";

describe("the request log of `netboot serve`", () => {
  let cli: string;
  let dataDir: string;
  beforeAll(() => {
    cli = ensureBuiltCli();
    dataDir = makeDataDir(bootableFiles());
  }, 240_000);
  afterAll(() => removeDir(dataDir));

  it("writes one complete line per request, none lost when many come at once and the server stops right after", async () => {
    const server = await spawnServer(cli, ["-data-path", dataDir, "-assets-path", ""]);
    const count = 200;
    const statuses = await Promise.all(
      Array.from({ length: count }, (_, i) => fetch(`${server.url}/ipxe?mac=${GOOD_MAC}&n=${i}`).then(async (res) => (await res.text(), res.status))),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    server.proc.kill("SIGTERM");
    expect((await server.exited).code).toBe(0);
    const lines = server.logs.filter((l) => l.msg === "request");
    expect(lines).toHaveLength(count);
    expect(new Set(lines.map((l) => l.url)).size).toBe(count);
    for (const line of lines) {
      expect(line).toMatchObject({ method: "GET", endpoint: "/ipxe", status: 200, group: "worker", profile: "worker", remote: "127.0.0.1" });
      expect(typeof line.reqId).toBe("string");
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    expect(server.logs.at(-1)?.msg).toBe("stopped");
  }, 60_000);
});
