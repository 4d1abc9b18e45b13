import { createRequire } from "node:module";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { FASTIFY_OPTIONS } from "../../server/http/app.js";
import { startTestServer } from "../support/server.js";

const require = createRequire(import.meta.url);
const loaded = (name: string) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`));

describe("the options every netboot Fastify app shares", () => {
  it("a running server never loads Fastify's schema compilers (Ajv, fast-json-stringify)", async () => {
    const s = await startTestServer({ files: { "groups/all.json": '{"id":"all","profile":"p"}', "profiles/p.json": '{"id":"p","boot":{"kernel":"/k"}}' } });
    try {
      expect((await fetch(`${s.url}/ipxe?mac=52:54:00:00:00:01`)).status).toBe(200);
      expect(loaded("fastify")).toBe(true);
      expect(loaded("@fastify/ajv-compiler")).toBe(false);
      expect(loaded("@fastify/fast-json-stringify-compiler")).toBe(false);
    } finally {
      await s.close();
    }
  });

  it("a route with a JSON schema is refused when the app starts, saying why", async () => {
    const app = Fastify({ logger: false, ...FASTIFY_OPTIONS });
    app.route({ method: "GET", url: "/x", schema: { querystring: { type: "object" } }, handler: async () => "x" });
    await expect(app.ready()).rejects.toThrow(/a route schema has no compiler here/);
    await app.close();
  });
});
