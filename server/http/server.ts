import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { Logger } from "pino";
import type { ListenAddress, ServeConfig } from "../config/serve-config.js";
import { NetbootMetrics, statusFilePeers, wgDumpPeers } from "../observe/metrics.js";
import { BootTimeline } from "../observe/timeline.js";
import { MachineStateStore } from "../state/store.js";
import { DataStore } from "../store/store.js";
import { Explainer } from "../validate/explain.js";
import { buildApp, type ResponseInfo } from "./app.js";
import { stateRoutes } from "./state-routes.js";
import { healthRoutes, machineByPath, MACHINES_PREFIX, viewRoutes, type ViewHandler } from "./views.js";

export interface RunningServer {
  store: DataStore;
  app: FastifyInstance;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  /** The separate listener of the read-only views, when `-debug-address` names one. */
  debugUrl: string | undefined;
  timeline: BootTimeline;
  metrics: NetbootMetrics;
  /** Machine state (sticky groups), when -state-path is set. */
  state: MachineStateStore | undefined;
  /** Stops accepting, lets in-flight requests finish for up to graceMs, then closes what is left. */
  close(graceMs: number): Promise<void>;
}

function urlOf(app: FastifyInstance, listen: ListenAddress, scheme: string): string {
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : listen.port;
  const host = listen.host.includes(":") ? `[${listen.host}]` : listen.host;
  return `${scheme}://${host}:${port}`;
}

/** A small app of its own for the read-only views, when they listen apart from the machines. */
async function buildDebugApp(views: Record<string, ViewHandler>, byPath: ViewHandler, writeRoutes: RouteOptions[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  for (const [url, handler] of Object.entries(views)) app.route({ method: "GET", url, handler });
  app.route({ method: "GET", url: `${MACHINES_PREFIX}*`, handler: byPath });
  for (const route of writeRoutes) app.route(route);
  return app;
}

/** Loads the data directory and starts listening (and, with `-debug-address HOST:PORT`, a second listener for the views). */
export async function startServer(config: ServeConfig, logger: Logger, https?: { key: Buffer; cert: Buffer }): Promise<RunningServer> {
  const timeline = new BootTimeline();
  let store: DataStore | undefined;
  let state: MachineStateStore | undefined;
  const metrics = new NetbootMetrics({
    snapshot: () => store?.current,
    machinesTracked: () => timeline.machineCount,
    ...(config.state ? { machineState: () => ({ machines: state?.size ?? 0, problems: state?.problems().length ?? 0 }) } : {}),
    ...(config.wireguardStatusFile
      ? { wireguard: { interface: config.wireguardInterface ?? "wg0", peers: statusFilePeers(config.wireguardStatusFile) } }
      : config.wireguardInterface
        ? { wireguard: { interface: config.wireguardInterface, peers: wgDumpPeers(config.wireguardInterface) } }
        : {}),
  });
  store = await DataStore.open(config.dataPath, { logger, onReload: (result) => metrics.observeReload(result) });
  if (config.state) {
    state = await MachineStateStore.open(config.state.path, { logger, maxMachines: config.state.maxMachines, onEvent: (event) => metrics.observeState(event) });
  }
  const explainer = await Explainer.create(store, state);

  const onResponse = (info: ResponseInfo) => {
    const stage = timeline.record(info);
    metrics.observeResponse(info, stage);
  };
  const views = viewRoutes({ timeline, metrics, explainer, ...(state ? { state } : {}) });
  const byPath = machineByPath(timeline, state);
  // The write API is served where the views are, behind its token.
  const writeRoutes = stateRoutes({ state, apiTokenFile: config.apiTokenFile, logger });
  const extraRoutes = { ...healthRoutes(store), ...(config.debugViews === "main" ? views : {}) };
  const app = await buildApp({ store, assetsPath: config.assetsPath, logger, https, onResponse, extraRoutes, ...(state ? { state } : {}) });
  if (config.debugViews === "main") {
    app.route({ method: "GET", url: `${MACHINES_PREFIX}*`, handler: byPath });
    for (const route of writeRoutes) app.route(route);
  }
  await app.listen({ host: config.listen.host, port: config.listen.port });
  const url = urlOf(app, config.listen, https ? "https" : "http");

  let debugApp: FastifyInstance | undefined;
  let debugUrl: string | undefined;
  if (typeof config.debugViews === "object") {
    debugApp = await buildDebugApp(views, byPath, writeRoutes);
    try {
      await debugApp.listen({ host: config.debugViews.host, port: config.debugViews.port });
    } catch (err) {
      await app.close();
      store.close();
      state?.close();
      throw err;
    }
    debugUrl = urlOf(debugApp, config.debugViews, "http");
  }
  logger.info({ url, debugViews: debugUrl ?? config.debugViews, dataPath: config.dataPath, assetsPath: config.assetsPath ?? null }, "listening");

  const openStore = store;
  return {
    store: openStore,
    app,
    url,
    debugUrl,
    timeline,
    metrics,
    state,
    async close(graceMs) {
      openStore.close();
      state?.close();
      const server = app.server;
      // Keep-alive connections become idle as their downloads finish: close
      // each as soon as it does, so the process exits when the last one ends.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await Promise.all([app.close(), debugApp?.close(), explainer.close()]);
      clearTimeout(timer);
      clearInterval(sweep);
    },
  };
}
