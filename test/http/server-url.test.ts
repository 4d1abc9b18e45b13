/**
 * -server-url: the example data's placeholder origin becomes the URL machines
 * can reach; data without the placeholder is served byte for byte as without
 * the flag.
 */
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseServeConfig } from "../../server/config/serve-config.js";
import { PLACEHOLDER_ORIGIN } from "../../server/store/server-url.js";
import { json, makeDataDir, removeDir } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});
async function serve(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

describe("the repository's example data", () => {
  it("gives machines the -server-url in every boot argument that named the placeholder", async () => {
    const server = await serve({ dataDir: REPO_ROOT, assetsPath: null, serverUrl: "http://10.77.0.1:8080" });
    for (const mac of ["52-54-00-aa-bb-cc", "52-54-00-00-00-01"]) {
      const res = await server.get(`/ipxe?mac=${mac}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/coreos\.live\.rootfs_url=http:\/\/10\.77\.0\.1:8080\/assets\/fedora-coreos\/[^ ]*-live-rootfs\.x86_64\.img/);
      expect(res.body).toMatch(/(coreos\.inst\.ignition_url|ignition\.config\.url)=http:\/\/10\.77\.0\.1:8080\/ignition\?uuid=/);
      expect(res.body).not.toContain("example.internal");
    }
  });

  it("keeps the placeholder without the flag (the files are unchanged), and says which files name it", async () => {
    const server = await serve({ dataDir: REPO_ROOT, assetsPath: null });
    expect((await server.get("/ipxe?mac=52-54-00-aa-bb-cc")).body).toContain(`coreos.live.rootfs_url=${PLACEHOLDER_ORIGIN}/assets/`);
    const warning = server.logs.find((l) => l.level === 40 && String(l.msg).includes("placeholder origin"));
    expect(warning?.files).toEqual(["profiles/fedora-coreos-install.yaml", "profiles/fedora-coreos-live.json"]);
    expect(String(warning?.msg)).toContain("set -server-url (MATCHBOX_SERVER_URL)");
    const configured = await serve({ dataDir: REPO_ROOT, assetsPath: null, serverUrl: "http://10.77.0.1:8080" });
    expect(configured.logs.some((l) => String(l.msg).includes("placeholder origin"))).toBe(false);
  });
});

describe("a Matchbox data directory without the placeholder", () => {
  const matchboxOrigin = "http://matchbox.example.com:8080";
  const files = {
    "profiles/worker.json": json({
      id: "worker",
      boot: { kernel: "/assets/vmlinuz", initrd: ["/assets/initrd.img"], args: [`ignition.config.url=${matchboxOrigin}/ignition?mac=\${mac:hexhyp}`, "netboot.example.internal"] },
      ignition_id: "worker.yaml",
      generic_id: "env.tmpl",
      cloud_id: "cloud.yaml.tmpl",
    }),
    "groups/worker.json": json({ id: "worker", profile: "worker", selector: { mac: "52:54:00:12:34:56" }, metadata: { url: `${matchboxOrigin}/assets/x`, port: "8080" } }),
    "ignition/worker.yaml": `variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/netboot-url\n      contents:\n        inline: "{{.url}} http://netboot.example.internal"\n`,
    "generic/env.tmpl": "URL={{.url}}\nHOST=netboot.example.internal:{{.port}}\n",
    "cloud/cloud.yaml.tmpl": "#cloud-config\nwrite_files:\n  - path: /etc/u\n    content: {{.url}}\n",
  };
  const targets = ["/boot.ipxe", "/ipxe?mac=52:54:00:12:34:56", "/grub?mac=52:54:00:12:34:56", "/ignition?mac=52:54:00:12:34:56", "/generic?mac=52:54:00:12:34:56", "/cloud?mac=52:54:00:12:34:56", "/metadata?mac=52:54:00:12:34:56"];

  it("is served byte for byte as without -server-url", async () => {
    const dir = makeDataDir(files);
    try {
      const plain = await serve({ dataDir: dir, assetsPath: null });
      const withUrl = await serve({ dataDir: dir, assetsPath: null, serverUrl: "http://10.77.0.1:8080" });
      for (const target of targets) {
        const [a, b] = [await plain.get(target), await withUrl.get(target)];
        expect(a.status, target).toBe(200);
        expect(b.status, target).toBe(a.status);
        expect(b.bytes.equals(a.bytes), target).toBe(true);
        expect(b.headers["content-type"], target).toBe(a.headers["content-type"]);
      }
      expect(plain.logs.some((l) => String(l.msg).includes("placeholder origin"))).toBe(false);
    } finally {
      removeDir(dir);
    }
  });

  it("gets the URL wherever a file names the placeholder, in templates too", async () => {
    const dir = makeDataDir({ ...files, "generic/env.tmpl": `URL=${PLACEHOLDER_ORIGIN}/assets/{{.port}}\n` });
    try {
      const server = await serve({ dataDir: dir, assetsPath: null, serverUrl: "https://boot.lab.example.net/netboot" });
      expect((await server.get("/generic?mac=52:54:00:12:34:56")).body).toBe("URL=https://boot.lab.example.net/netboot/assets/8080\n");
    } finally {
      removeDir(dir);
    }
  });
});

describe("-server-url and MATCHBOX_SERVER_URL", () => {
  const dir = REPO_ROOT;
  const url = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const request = parseServeConfig(["-data-path", dir, "-assets-path=", ...argv], env);
    return request.kind === "serve" ? request.config.serverUrl : undefined;
  };

  it("come from the flag, else the variable; a trailing slash is dropped", () => {
    expect(url([])).toBeUndefined();
    expect(url(["-server-url", "http://10.77.0.1:8080/"])).toBe("http://10.77.0.1:8080");
    expect(url([], { MATCHBOX_SERVER_URL: "http://[fd00::1]:8080" })).toBe("http://[fd00::1]:8080");
    expect(url(["--server-url=http://a:1"], { MATCHBOX_SERVER_URL: "http://b:2" })).toBe("http://a:1");
  });

  it.each(["10.77.0.1:8080", "ftp://host", "http://host/a b", "http://host/?x=1", "http://host/#f", "http://u:p@host", 'http://host/"x', "http://host/{{.x}}"])(
    "refuse %s",
    (bad) => {
      expect(() => url(["-server-url", bad])).toThrow(/invalid -server-url/);
    },
  );
});
