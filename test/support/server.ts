import { Writable } from "node:stream";
import { request as undiciRequest, Agent } from "undici";
import type { ServeConfig } from "../../server/config/serve-config.js";
import { startServer, type RunningServer } from "../../server/http/server.js";
import { createLogger } from "../../server/observe/logger.js";
import { makeDataDir, removeDir } from "./data-dir.js";

export interface TestServer {
  url: string;
  dataDir: string;
  server: RunningServer;
  logs: Record<string, unknown>[];
  get(pathAndQuery: string, options?: { method?: string; headers?: Record<string, string> }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

/** Starts netboot on a loopback port over a data directory made from `files` (or an existing one). */
export async function startTestServer(options: {
  files?: Record<string, string | Buffer>;
  dataDir?: string;
  assetsPath?: string | null;
  /** Where the read-only views are served (default: on the main listener). */
  debugViews?: ServeConfig["debugViews"];
  /** Keep every query value in the boot timeline (-record-query-values). */
  recordQueryValues?: boolean;
  /** -server-url. */
  serverUrl?: string;
  /** The gRPC API, when given. */
  rpc?: ServeConfig["rpc"];
  /** Machine state (sticky groups): its directory, and the most machines it remembers. */
  state?: { path: string; maxMachines?: number };
  /** The write API's bearer token file. */
  apiTokenFile?: string;
  /** Other settings of the served config. */
  config?: Partial<ServeConfig>;
}): Promise<TestServer> {
  const dataDir = options.dataDir ?? makeDataDir(options.files ?? {});
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config: ServeConfig = {
    listen: { host: "127.0.0.1", port: 0 },
    dataPath: dataDir,
    assetsPath: options.assetsPath === null ? undefined : (options.assetsPath ?? dataDir + "/assets"),
    logLevel: "debug",
    tls: undefined,
    debugViews: options.debugViews ?? "main",
    recordQueryValues: options.recordQueryValues ?? false,
    shutdownGraceMs: 1000,
    ...(options.serverUrl === undefined ? {} : { serverUrl: options.serverUrl }),
    unsupported: [],
    ...(options.rpc ? { rpc: options.rpc } : {}),
    ...(options.state ? { state: { path: options.state.path, maxMachines: options.state.maxMachines ?? 10_000 } } : {}),
    ...(options.apiTokenFile ? { apiTokenFile: options.apiTokenFile } : {}),
    ...options.config,
  };
  const server = await startServer(config, createLogger("debug", sink));
  const dispatcher = new Agent({ keepAliveTimeout: 1000 });
  return {
    url: server.url,
    dataDir,
    server,
    logs,
    async get(pathAndQuery, opts = {}) {
      const res = await undiciRequest(server.url + pathAndQuery, {
        method: (opts.method ?? "GET") as "GET",
        headers: opts.headers,
        dispatcher,
      });
      const bytes = Buffer.from(await res.body.arrayBuffer());
      return { status: res.statusCode, headers: res.headers, body: bytes.toString("utf8"), bytes };
    },
    async close() {
      await dispatcher.close();
      await server.close(100);
      if (!options.dataDir) removeDir(dataDir);
    },
  };
}
