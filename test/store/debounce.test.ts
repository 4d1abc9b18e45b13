import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";

const MAC = "52:54:00:aa:bb:01";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe("reloading on change", () => {
  // A group document, and a file that is not one but whose changes are events all the same (an editor's swap file).
  it.each([
    ["a group file", "groups/busy.json"],
    ["an editor's swap file", "groups/.node.json.swp"],
  ])("%s rewritten every 50 ms does not hold back another file's change", async (_what, busyFile) => {
    const s = await startTestServer({
      assetsPath: null,
      files: {
        "groups/node.json": json({ id: "node", profile: "worker", selector: { mac: MAC } }),
        [busyFile]: json({ id: "busy", selector: { os: "busy" }, metadata: { n: 0 } }),
        "profiles/worker.json": json({ id: "worker", boot: { kernel: "/k", args: ["v1"] } }),
      },
    });
    servers.push(s);
    const busy = path.join(s.dataDir, busyFile);
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      const until = Date.now() + 5000;
      while (writing && Date.now() < until) {
        writeFileSync(busy, json({ id: "busy", selector: { os: "busy" }, metadata: { n: ++writes } }));
        await sleep(50);
      }
    })();
    try {
      await sleep(1000);
      const changedAt = Date.now();
      writeFileSync(path.join(s.dataDir, "profiles/worker.json"), json({ id: "worker", boot: { kernel: "/k", args: ["v2"] } }));
      let servedAfter: number | undefined;
      let writesWhenServed = 0;
      while (Date.now() - changedAt < 3500) {
        const body = (await s.get(`/ipxe?mac=${MAC}`)).body;
        if (body.includes("v2")) {
          servedAfter = Date.now() - changedAt;
          writesWhenServed = writes;
          break;
        }
        await sleep(20);
      }
      expect(servedAfter).toBeDefined();
      expect(servedAfter!).toBeLessThan(1200);
      // The busy file was still being rewritten: the change came through anyway.
      await sleep(200);
      expect(writes).toBeGreaterThan(writesWhenServed);
    } finally {
      writing = false;
      await writer;
    }
    expect(writes).toBeGreaterThan(20);
  });
});
