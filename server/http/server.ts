import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { ServeConfig } from "../config/serve-config.js";
import { DataStore } from "../store/store.js";
import { buildApp } from "./app.js";

export interface RunningServer {
  store: DataStore;
  app: FastifyInstance;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes what is left. */
  close(graceMs: number): Promise<void>;
}

/** Loads the data directory and starts listening. */
export async function startServer(config: ServeConfig, logger: Logger, https?: { key: Buffer; cert: Buffer }): Promise<RunningServer> {
  const store = await DataStore.open(config.dataPath, { logger });
  const app = await buildApp({ store, assetsPath: config.assetsPath, logger, https });
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.listen.port;
  const host = config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host;
  const url = `${https ? "https" : "http"}://${host}:${port}`;
  logger.info({ url, dataPath: config.dataPath, assetsPath: config.assetsPath ?? null }, "listening");
  return {
    store,
    app,
    url,
    async close(graceMs) {
      store.close();
      const server = app.server;
      server.closeIdleConnections?.();
      const timer = setTimeout(() => server.closeAllConnections?.(), graceMs);
      timer.unref();
      await app.close();
      clearTimeout(timer);
    },
  };
}
