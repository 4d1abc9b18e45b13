import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { Logger } from "pino";
import type { ListenAddress, ServeConfig } from "../config/serve-config.js";
import { NetbootMetrics, statusFilePeers, wgDumpPeers } from "../observe/metrics.js";
import { BootTimeline } from "../observe/timeline.js";
import { filesNamingPlaceholder, PLACEHOLDER_ORIGIN } from "../store/server-url.js";
import { MachineStateStore } from "../state/store.js";
import { ImageCache } from "../images/cache.js";
import { FETCH_FOLDER } from "../images/download.js";
import { imagesHook } from "../images/http-hook.js";
import { ImageMetrics } from "../images/metrics.js";
import { DataStore } from "../store/store.js";
import { Explainer } from "../validate/explain.js";
import { buildApp, limitedServerFactory, FASTIFY_OPTIONS, type ResponseInfo } from "./app.js";
import { ConnectionGuard, DEBUG_MAX_CONNECTIONS, defaultMaxConnections, type ShedAction } from "./connections.js";
import { stateRoutes } from "./state-routes.js";
import { healthRoutes, machineByPath, MACHINES_PREFIX, viewRoutes, type ViewHandler } from "./views.js";

export interface RunningServer {
  store: DataStore;
  app: FastifyInstance;
  /** The address actually bound (port 0 picks a free one). */
  url: string;
  /** The separate listener of the read-only views, when `-debug-address` names one. */
  debugUrl: string | undefined;
  /** host:port of the gRPC API, when `-rpc-address` is set. */
  rpcAddress: string | undefined;
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

/** A small app of its own for the read-only views, when they listen apart from the machines (with the same limits). */
async function buildDebugApp(views: Record<string, ViewHandler>, byPath: ViewHandler, writeRoutes: RouteOptions[]): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, serverFactory: limitedServerFactory(), ...FASTIFY_OPTIONS });
  for (const [url, handler] of Object.entries(views)) app.route({ method: "GET", url, handler });
  app.route({ method: "GET", url: `${MACHINES_PREFIX}*`, handler: byPath });
  for (const route of writeRoutes) app.route(route);
  return app;
}

/** Logs the first connection shed, then at most one summary a minute while the limit is being hit. */
function shedLogger(logger: Logger, count: (action: ShedAction) => void): (action: ShedAction, address: string) => void {
  let since: Record<string, number> = {};
  let lastLog = 0;
  return (action, address) => {
    count(action);
    since[action] = (since[action] ?? 0) + 1;
    const now = Date.now();
    if (now - lastLog < 60_000) return;
    logger.warn({ ...since, lastAddress: address }, "connection limit reached (-max-connections): connections closed or refused");
    since = {};
    lastLog = now;
  };
}

/** Loads the data directory and starts listening (and, with `-debug-address HOST:PORT`, a second listener for the views). */
export async function startServer(config: ServeConfig, logger: Logger, https?: { key: Buffer; cert: Buffer }): Promise<RunningServer> {
  const timeline = new BootTimeline({ keepQueryValues: config.recordQueryValues ?? false });
  let store: DataStore | undefined;
  const maxConnections = config.maxConnections ?? defaultMaxConnections();
  let state: MachineStateStore | undefined;
  const metrics = new NetbootMetrics({
    snapshot: () => store?.current,
    machinesTracked: () => timeline.machineCount,
    connections: { open: () => guard.openConnections, limit: maxConnections },
    ...(config.state ? { machineState: () => ({ machines: state?.size ?? 0, problems: state?.problems().length ?? 0 }) } : {}),
    ...(config.wireguardStatusFile
      ? { wireguard: { interface: config.wireguardInterface ?? "wg0", peers: statusFilePeers(config.wireguardStatusFile) } }
      : config.wireguardInterface
        ? { wireguard: { interface: config.wireguardInterface, peers: wgDumpPeers(config.wireguardInterface) } }
        : {}),
  });
  const guard = new ConnectionGuard(maxConnections, shedLogger(logger, (action) => metrics.observeShed(action)));
  store = await DataStore.open(config.dataPath, {
    logger,
    ...(config.serverUrl === undefined ? {} : { serverUrl: config.serverUrl }),
    onReload: (result) => metrics.observeReload(result),
  });
  if (config.serverUrl === undefined) {
    const files = filesNamingPlaceholder(store.current);
    if (files.length > 0) {
      logger.warn({ files }, `${files.join(", ")} give machines the placeholder origin ${PLACEHOLDER_ORIGIN}: set -server-url (MATCHBOX_SERVER_URL) to the URL they reach this server at`);
    }
  }
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
  const openedStore = store;
  let assetsHook;
  if (config.assetsPath !== undefined) {
    const imageMetrics = new ImageMetrics(metrics.registry);
    const images = new ImageCache({ assetsRoot: config.assetsPath, logger, metrics: imageMetrics, ...(config.assetsCacheMaxBytes !== undefined ? { maxBytes: config.assetsCacheMaxBytes } : {}) });
    await images.start();
    assetsHook = imagesHook(images, () => openedStore.current, imageMetrics);
  }
  const app = await buildApp({
    store,
    assetsPath: config.assetsPath,
    hiddenAssets: [FETCH_FOLDER],
    logger,
    https,
    onResponse,
    extraRoutes,
    ...(assetsHook ? { assetsHook } : {}),
    ...(state ? { state } : {}),
  });
  guard.watch(app.server);
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
    new ConnectionGuard(DEBUG_MAX_CONNECTIONS).watch(debugApp.server);
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
  let rpc: import("../rpc/server.js").RunningRpcServer | undefined;
  if (config.rpc) {
    try {
      // Loaded only when enabled: a server without the API does not pay for gRPC.
      const { startRpcServer } = await import("../rpc/server.js");
      rpc = await startRpcServer({ ...config.rpc, store, logger, onWrite: (method, result) => metrics.observeRpcWrite(method, result) });
    } catch (err) {
      await Promise.all([app.close(), debugApp?.close(), explainer.close()]);
      store.close();
      throw err;
    }
  }
  logger.info({ url, debugViews: debugUrl ?? config.debugViews, maxConnections: guard.limit, serverUrl: config.serverUrl ?? null, dataPath: config.dataPath, assetsPath: config.assetsPath ?? null, rpcAddress: rpc?.address ?? null }, "listening");

  const openStore = store;
  return {
    store: openStore,
    app,
    url,
    debugUrl,
    rpcAddress: rpc?.address,
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
      await Promise.all([app.close(), debugApp?.close(), explainer.close(), rpc?.close(graceMs)]);
      clearTimeout(timer);
      clearInterval(sweep);
    },
  };
}
