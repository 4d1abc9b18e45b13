import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { UsageError } from "../../server/config/flags.js";
import { parseServeConfig, type ServeConfig } from "../../server/config/serve-config.js";
import { removeDir } from "../support/data-dir.js";

const data = mkdtempSync(path.join(tmpdir(), "netboot-cfg-"));
const other = mkdtempSync(path.join(tmpdir(), "netboot-cfg-"));
afterAll(() => {
  removeDir(data);
  removeDir(other);
});

function config(argv: string[], env: NodeJS.ProcessEnv = {}): ServeConfig {
  const request = parseServeConfig(argv, env);
  if (request.kind !== "serve") throw new Error(`expected serve, got ${request.kind}`);
  return request.config;
}

describe("serve flags (Matchbox's names and rules)", () => {
  it("accepts one or two dashes, and the value after = or a space", () => {
    for (const argv of [
      ["-address", "0.0.0.0:9000", "-data-path", data, "-assets-path", ""],
      ["--address=0.0.0.0:9000", "--data-path", data, "--assets-path="],
      ["-address=0.0.0.0:9000", `-data-path=${data}`, "-assets-path="],
    ]) {
      const c = config(argv);
      expect(c.listen).toEqual({ host: "0.0.0.0", port: 9000 });
      expect(c.dataPath).toBe(data);
    }
  });

  it("uses MATCHBOX_* variables only where the flag is not given, and only when non-empty", () => {
    const env = { MATCHBOX_ADDRESS: "127.0.0.1:7000", MATCHBOX_DATA_PATH: data, MATCHBOX_LOG_LEVEL: "debug", MATCHBOX_ASSETS_PATH: other };
    const fromEnv = config([], env);
    expect(fromEnv.listen.port).toBe(7000);
    expect(fromEnv.logLevel).toBe("debug");
    const flagWins = config(["-address", "127.0.0.1:7001"], env);
    expect(flagWins.listen.port).toBe(7001);
  });

  it("disables assets with -assets-path='' (the variable cannot)", () => {
    expect(config(["-data-path", data, "-assets-path="]).assetsPath).toBeUndefined();
    expect(config(["-data-path", data, "-assets-path", other]).assetsPath).toBe(other);
    expect(() => config(["-data-path", data], { MATCHBOX_ASSETS_PATH: "" })).toThrow(/assets-path/);
  });

  it("maps logrus level names and refuses unknown ones", () => {
    expect(config(["-data-path", data, "-assets-path=", "-log-level", "warning"]).logLevel).toBe("warn");
    expect(config(["-data-path", data, "-assets-path=", "-log-level", "panic"]).logLevel).toBe("fatal");
    expect(() => config(["-data-path", data, "-assets-path=", "-log-level", "critical"])).toThrow(UsageError);
  });

  it("fails clearly on a missing data directory and unknown flags", () => {
    expect(() => config(["-data-path", "/nonexistent/netboot", "-assets-path="])).toThrow(/A valid -data-path is required/);
    expect(() => config(["-data-path", data, "-nope"])).toThrow(/flag provided but not defined: -nope/);
  });

  it("takes Go's boolean spellings after = for boolean flags", () => {
    expect(parseServeConfig(["-version=true"], {}).kind).toBe("version");
    expect(parseServeConfig(["--help"], {}).kind).toBe("help");
    expect(() => config(["-data-path", data, "-assets-path=", "-web-ssl=maybe"])).toThrow(/invalid boolean/);
    expect(config(["-data-path", data, "-assets-path=", "-web-ssl=false"]).tls).toBeUndefined();
  });

  it("warns about Matchbox features netboot does not serve", () => {
    expect(config(["-data-path", data, "-assets-path=", "-key-ring-path", "/etc/keys"]).unsupported[0]).toMatch(/OpenPGP/);
  });

  it("serves the gRPC API with -rpc-address and its three TLS files, each of which must exist (flags or MATCHBOX_* variables)", () => {
    const files = { cert: path.join(other, "server.crt"), key: path.join(other, "server.key"), ca: path.join(other, "ca.crt") };
    for (const file of Object.values(files)) writeFileSync(file, "pem");
    const tls = ["-cert-file", files.cert, "-key-file", files.key, "-ca-file", files.ca];
    expect(config(["-data-path", data, "-assets-path=", "-rpc-address", "0.0.0.0:8081", ...tls]).rpc).toEqual({
      listen: { host: "0.0.0.0", port: 8081 },
      certFile: files.cert,
      keyFile: files.key,
      caFile: files.ca,
    });
    const env = { MATCHBOX_RPC_ADDRESS: "127.0.0.1:8081", MATCHBOX_CERT_FILE: files.cert, MATCHBOX_KEY_FILE: files.key, MATCHBOX_CA_FILE: files.ca };
    expect(config(["-data-path", data, "-assets-path="], env).rpc?.listen).toEqual({ host: "127.0.0.1", port: 8081 });
    expect(config(["-data-path", data, "-assets-path="]).rpc).toBeUndefined();
    // Matchbox's defaults under /etc/matchbox do not exist here: fatal, naming the flag.
    expect(() => config(["-data-path", data, "-assets-path=", "-rpc-address", "0.0.0.0:8081"])).toThrow(
      "Provide a valid TLS server certificate with -cert-file: /etc/matchbox/server.crt is not a readable file",
    );
    expect(() => config(["-data-path", data, "-assets-path=", "-rpc-address", ":8081", ...tls.slice(0, 4), "-ca-file", other])).toThrow(/authority .* -ca-file: .* is not a readable file/);
    expect(() => config(["-data-path", data, "-assets-path=", "-address", "0.0.0.0:8080", "-rpc-address", "127.0.0.1:8080", ...tls])).toThrow(/never served on the HTTP port/);
  });

  it("serves the views on the main listener only when it is a loopback address, unless told where", () => {
    const views = (...argv: string[]) => config(["-data-path", data, "-assets-path=", ...argv]).debugViews;
    expect(views("-address", "127.0.0.1:8080")).toBe("main");
    expect(views("-address", "127.0.0.53:8080")).toBe("main");
    expect(views("-address", "[::1]:8080")).toBe("main");
    expect(views("-address", "localhost:8080")).toBe("main");
    expect(views("-address", "0.0.0.0:8080")).toBe("off");
    expect(views("-address", ":8080")).toBe("off");
    expect(views("-address", "[::]:8080")).toBe("off");
    expect(views("-address", "192.0.2.10:8080")).toBe("off");
    expect(views("-address", "0.0.0.0:8080", "-debug-address", "main")).toBe("main");
    expect(views("-address", "127.0.0.1:8080", "-debug-address", "off")).toBe("off");
    expect(views("-address", "0.0.0.0:8080", "-debug-address", "127.0.0.1:9090")).toEqual({ host: "127.0.0.1", port: 9090 });
    expect(config(["-data-path", data, "-assets-path="], { MATCHBOX_ADDRESS: "0.0.0.0:8080", MATCHBOX_DEBUG_ADDRESS: "main" }).debugViews).toBe("main");
  });

  it("keeps query values out of the timeline unless -record-query-values, and takes a connection limit", () => {
    expect(config(["-data-path", data, "-assets-path="]).recordQueryValues).toBe(false);
    expect(config(["-data-path", data, "-assets-path=", "-record-query-values"]).recordQueryValues).toBe(true);
    expect(config(["-data-path", data, "-assets-path="]).maxConnections).toBeUndefined();
    expect(config(["-data-path", data, "-assets-path=", "-max-connections", "300"]).maxConnections).toBe(300);
    for (const bad of ["0", "-1", "1.5", "many"]) expect(() => config(["-data-path", data, "-assets-path=", `-max-connections=${bad}`])).toThrow(/-max-connections/);
  });

  it("machine state and the write API: off unless set, each flag with its MATCHBOX_* twin, checked at start", () => {
    const off = config(["-data-path", data, "-assets-path="]);
    expect([off.state, off.apiTokenFile]).toEqual([undefined, undefined]);
    expect(config(["-data-path", data, "-assets-path=", "-state-path", other]).state).toEqual({ path: other, maxMachines: 10_000 });
    expect(config(["-data-path", data, "-assets-path="], { MATCHBOX_STATE_PATH: other, MATCHBOX_STATE_MAX_MACHINES: "50" }).state).toEqual({ path: other, maxMachines: 50 });
    expect(() => config(["-data-path", data, "-assets-path=", "-state-max-machines", "0"])).toThrow(/invalid -state-max-machines "0"/);
    expect(() => config(["-data-path", data, "-assets-path", other, "-state-path", path.join(other, "state")])).toThrow(/-state-path .* is inside -assets-path: machine state would be served under \/assets\//);
    expect(config(["-data-path", data, "-assets-path", other, "-state-path", `${other}-state`]).state?.path).toBe(`${other}-state`);
    const token = path.join(other, "token");
    writeFileSync(token, "0123456789abcdef0123\n");
    expect(config(["-data-path", data, "-assets-path=", "-api-token-file", token]).apiTokenFile).toBe(token);
    expect(config(["-data-path", data, "-assets-path="], { MATCHBOX_API_TOKEN_FILE: token }).apiTokenFile).toBe(token);
    writeFileSync(token, "short\n");
    expect(() => config(["-data-path", data, "-assets-path=", "-api-token-file", token])).toThrow(/-api-token-file: the API token in .* is shorter than 16 characters/);
    expect(() => config(["-data-path", data, "-assets-path=", "-api-token-file", path.join(other, "missing")])).toThrow(/-api-token-file: ENOENT/);
  });
});
