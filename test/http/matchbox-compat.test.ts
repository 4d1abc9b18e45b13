import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";
import {
  BUTANE_UNITS_EXPECTED,
  BUTANE_UNITS_TEMPLATE,
  FIXTURE_GRUB,
  FIXTURE_GROUP,
  FIXTURE_IPXE,
  FIXTURE_PROFILE,
  RAW_IGNITION_34,
} from "./matchbox-fixtures.js";

const BOOT_IPXE =
  "#!ipxe\nchain ipxe?uuid=${uuid}&mac=${mac:hexhyp}&domain=${domain}&hostname=${hostname}&serial=${serial}&arch=${buildarch:uristring}\n";

/** The same group, selected without labels, for tests whose raw query must stay exactly as Matchbox's test sends it. */
const FIXTURE_GROUP_BY_DEFAULT = { ...FIXTURE_GROUP, selector: {}, metadata: { ...FIXTURE_GROUP.metadata, uuid: "a1b2c3d4" } };

const lines = (body: string) => body.split("\n").filter((l) => l !== "").sort();

async function withServer(files: Record<string, string>, run: (s: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer({ files });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

describe("Matchbox's own HTTP tests, over a socket", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({
      files: {
        "groups/test-group.json": json(FIXTURE_GROUP),
        "profiles/g1h2i3j4.json": json(FIXTURE_PROFILE),
        "generic/generic.tmpl": "#foo-bar-baz template\nUUID={{.uuid}}\nSERVICE={{.service_name}}\nFOO={{.request.query.foo}}\n",
        "cloud/cloud-config.tmpl": "#cloud-config\ncoreos:\n  etcd2:\n    name: {{.uuid}}\n    service: {{.service_name}}\n    foo: {{.request.query.foo}}\n",
      },
    });
  });
  afterAll(() => s.close());

  it("serves the fixed iPXE bootstrap script at /boot.ipxe and /boot.ipxe.0, whatever the query", async () => {
    for (const target of ["/boot.ipxe", "/boot.ipxe.0", "/boot.ipxe?mac=52-54-00-00-00-01"]) {
      const res = await s.get(target);
      expect(res.status).toBe(200);
      expect(res.body).toBe(BOOT_IPXE);
      expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(res.headers["content-length"]).toBe("132");
    }
  });

  it("renders the selected profile as an iPXE script", async () => {
    const res = await s.get("/ipxe?uuid=a1b2c3d4");
    expect(res.status).toBe(200);
    expect(res.body).toBe(FIXTURE_IPXE);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it("renders the selected profile as a GRUB config", async () => {
    const res = await s.get("/grub?uuid=a1b2c3d4");
    expect(res.status).toBe(200);
    expect(res.body).toBe(FIXTURE_GRUB);
  });

  it("answers 404 page not found when no group matches", async () => {
    for (const endpoint of ["/ipxe", "/grub", "/ignition", "/generic", "/cloud", "/metadata"]) {
      const res = await s.get(`${endpoint}?uuid=other`);
      expect(res.status, endpoint).toBe(404);
      expect(res.body).toBe("404 page not found\n");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
    }
  });

  it("renders a generic template with metadata, selectors and the query", async () => {
    const res = await s.get("/generic?uuid=a1b2c3d4&foo=some-param");
    expect(res.status).toBe(200);
    expect(res.body).toBe("#foo-bar-baz template\nUUID=a1b2c3d4\nSERVICE=etcd2\nFOO=some-param\n");
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["accept-ranges"]).toBe("bytes");
  });

  it("renders a cloud-config template", async () => {
    const res = await s.get("/cloud?uuid=a1b2c3d4&foo=some-param");
    expect(res.status).toBe(200);
    expect(res.body).toBe("#cloud-config\ncoreos:\n  etcd2:\n    name: a1b2c3d4\n    service: etcd2\n    foo: some-param\n");
  });

  it("answers /metadata with the group's data, selectors and query as KEY=value lines", async () => {
    const res = await s.get("/metadata?uuid=a1b2c3d4&foo=bar");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(lines(res.body)).toEqual(
      [
        "POD_NETWORK=10.2.0.0/16",
        "SERVICE_NAME=etcd2",
        "UUID=a1b2c3d4",
        "REQUEST_QUERY_UUID=a1b2c3d4",
        "REQUEST_QUERY_FOO=bar",
        "REQUEST_RAW_QUERY=uuid=a1b2c3d4&foo=bar",
      ].sort(),
    );
    expect(res.body.endsWith("\n")).toBe(true);
    expect(res.body.split("\n").slice(0, -1)).toEqual(lines(res.body));
  });
});

describe("Matchbox's metadata tests", () => {
  it("flattens nested metadata and normalises the MAC label", async () => {
    await withServer(
      {
        "groups/g.json": json({
          id: "g",
          profile: "p",
          selector: { mac: "52:54:00:a1:9c:ae" },
          metadata: { meta: "data", etcd: { name: "node1" }, some: { nested: { data: "some-value" } } },
        }),
      },
      async (s) => {
        const res = await s.get("/metadata?mac=52-54-00-a1-9c-ae&foo=bar&count=3&gate=true");
        expect(res.status).toBe(200);
        expect(lines(res.body)).toEqual(
          [
            "META=data",
            "ETCD_NAME=node1",
            "SOME_NESTED_DATA=some-value",
            "MAC=52:54:00:a1:9c:ae",
            "REQUEST_QUERY_MAC=52:54:00:a1:9c:ae",
            "REQUEST_QUERY_FOO=bar",
            "REQUEST_QUERY_COUNT=3",
            "REQUEST_QUERY_GATE=true",
            "REQUEST_RAW_QUERY=mac=52-54-00-a1-9c-ae&foo=bar&count=3&gate=true",
          ].sort(),
        );
      },
    );
  });

  it("prints numbers and booleans as Go does, and drops arrays and nulls", async () => {
    await withServer(
      { "groups/g.json": json({ id: "g", metadata: { num: 3, yes: true, no: false, big: 1000000, list: [1, 2], nothing: null, half: 1.5 } }) },
      async (s) => {
        const res = await s.get("/metadata");
        expect(lines(res.body)).toEqual(["BIG=1e+06", "HALF=1.5", "NO=false", "NUM=3", "REQUEST_RAW_QUERY=", "YES=true"]);
      },
    );
  });
});

describe("Matchbox's /ignition tests", () => {
  it("serves raw Ignition 3.4 byte for byte", async () => {
    await withServer(
      {
        "groups/g.json": json({ id: "g", profile: "p" }),
        "profiles/p.json": json({ id: "g1h2i3j4", ignition_id: "file.ign" }),
        "ignition/file.ign": RAW_IGNITION_34,
      },
      async (s) => {
        const res = await s.get("/ignition");
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toBe("application/json");
        expect(res.body).toBe(RAW_IGNITION_34);
      },
    );
  });

  it("serves raw Ignition 3.1 as 3.4", async () => {
    await withServer(
      {
        "groups/g.json": json({ id: "g", profile: "p" }),
        "profiles/p.json": json({ id: "g1h2i3j4", ignition_id: "file.ign" }),
        "ignition/file.ign": RAW_IGNITION_34.replace('"version":"3.4.0"', '"version":"3.1.0"'),
      },
      async (s) => {
        const res = await s.get("/ignition");
        expect(res.status).toBe(200);
        expect(res.body).toBe(RAW_IGNITION_34);
      },
    );
  });

  it("renders a Butane template with the machine's data and translates it", async () => {
    await withServer(
      {
        "groups/test-group.json": json(FIXTURE_GROUP_BY_DEFAULT),
        "profiles/g1h2i3j4.json": json({ id: "g1h2i3j4", ignition_id: "butane.yaml" }),
        "ignition/butane.yaml": BUTANE_UNITS_TEMPLATE,
      },
      async (s) => {
        const res = await s.get("/ignition?foo=some-param&bar=b");
        expect(res.status).toBe(200);
        expect(res.headers["content-type"]).toBe("application/json");
        expect(res.body).toBe(BUTANE_UNITS_EXPECTED);
      },
    );
  });

  it("answers 500 naming the file when a template references missing data", async () => {
    await withServer(
      {
        "groups/g.json": json({ id: "g", profile: "p" }),
        "profiles/p.json": json({ id: "p", ignition_id: "butane.yaml", generic_id: "g.tmpl" }),
        "ignition/butane.yaml": "variant: fcos\nversion: 1.5.0\npasswd:\n  users:\n    - name: {{.missing_key}}\n",
        "generic/g.tmpl": "KEY={{.missing_key}}\n",
      },
      async (s) => {
        for (const [endpoint, file] of [["/ignition", "ignition/butane.yaml"], ["/generic", "generic/g.tmpl"]]) {
          const res = await s.get(endpoint!);
          expect(res.status, endpoint).toBe(500);
          expect(res.body).toContain(file!);
          expect(res.body).toContain("missing_key");
          expect(res.body.trimEnd().split("\n")).toHaveLength(1);
        }
      },
    );
  });
});
