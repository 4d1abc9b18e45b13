import type HttpModule from "node:http";
import https from "node:https";
import { createRequire } from "node:module";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from "fastify";
import type { Logger } from "pino";
import { labelsFromQuery } from "../match/labels.js";
import { machineOf, rememberedInEffect, withRemembered } from "../match/sticky.js";
import type { RecordResult } from "../state/store.js";
import { oneLine } from "../errors.js";
import { percentDecode } from "../util/percent.js";
import type { DataStore } from "../store/store.js";
import type { AssetsHook } from "../images/http-hook.js";
import { AssetFiles, ASSETS_PREFIX } from "./assets.js";
import { bootRoutes, type MachineHandler } from "./boot-routes.js";
import { cleanPath, escapePath, splitTarget } from "./canonical.js";
import { sendNotFound, sendRedirect, sendText, type Outcome } from "./respond.js";
import { templateRoutes } from "./template-routes.js";
import { HTTP_LIMITS } from "./limits.js";
import { turnEndBatch } from "../util/turn-end.js";

// Required, not imported: an ESM import of node:http builds its module facade, which loads Node's bundled fetch client (30 ms of every start).
const http = createRequire(import.meta.url)("node:http") as typeof HttpModule;

declare module "fastify" {
  interface FastifyRequest {
    /** The client's address (read when the request came) and whether its answer has been reported. */
    answered: { remote: string; reported: boolean };
  }
}

/** What one request was, once answered. */
export interface ResponseInfo {
  method: string;
  url: string;
  /** The route that answered (`/ipxe`, `/assets/`, …), or undefined for an unknown path. */
  endpoint: string | undefined;
  outcome: Outcome;
  status: number;
  durationMs: number;
  /** Body bytes written (for assets: as counted by the socket layer). */
  bytes: number;
  /** Whether the response finished (false: the client went away mid-body). */
  completed: boolean;
  remoteAddress: string;
  /** When it was answered (milliseconds since the epoch). */
  atMs: number;
}

export interface AppOptions {
  store: DataStore;
  /** undefined: /assets/ is not served. */
  assetsPath: string | undefined;
  /** Names at the top of the assets folder that are netboot's own: never served or listed. */
  hiddenAssets?: readonly string[];
  logger: Logger;
  https?: { key: Buffer; cert: Buffer };
  /** Called once per answered request, after the response is sent (metrics, boot timeline). Must not throw or block. */
  onResponse?: (info: ResponseInfo) => void;
  /** Runs before /assets/ serving (declared OS images fetched on first use); may answer the request itself. */
  assetsHook?: AssetsHook;
  /** Extra routes (read-only views) registered on this app, by exact path. */
  extraRoutes?: Record<string, (request: FastifyRequest, reply: FastifyReply) => unknown>;
  /** Machine state (sticky groups); undefined: none is kept, and matching is Matchbox's. */
  state?: MachineStateAccess;
}

/** What the app needs of the machine state: a machine's remembered labels, and (unless only explaining) recording new ones. */
export interface MachineStateAccess {
  labelsOf(mac: string): Readonly<Record<string, string>> | undefined;
  record?(mac: string, labels: Readonly<Record<string, string>>, source: { group: string; endpoint: string }): Promise<RecordResult>;
}

function countPairs(rawQuery: string): number {
  let pairs = rawQuery === "" ? 0 : 1;
  for (let i = 0; i < rawQuery.length; i++) if (rawQuery.charCodeAt(i) === 0x26) pairs++;
  return pairs;
}

/**
 * A fastify server factory whose node server carries every connection limit
 * (fastify's own timeout options do not apply to a server it did not create).
 * Every listener of the process is made with it.
 */
export function limitedServerFactory(tls?: { key: Buffer; cert: Buffer }): FastifyServerFactory {
  return (handler) =>
    // A TLS handshake gets no longer than request headers do.
    tls ? https.createServer({ ...SERVER_LIMITS, handshakeTimeout: HTTP_LIMITS.headersTimeoutMs, ...tls }, handler) : http.createServer(SERVER_LIMITS, handler);
}

const SERVER_LIMITS = {
  headersTimeout: HTTP_LIMITS.headersTimeoutMs,
  requestTimeout: HTTP_LIMITS.requestTimeoutMs,
  keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
  // How often Node checks the two timeouts above (default 30 s: a slow-loris would get far more time).
  connectionsCheckingInterval: 1000,
  maxHeaderSize: HTTP_LIMITS.maxHeaderBytes,
};

const REPLY = Symbol("reply");
type ResponseWithReply = HttpModule.ServerResponse & { [REPLY]?: FastifyReply };

/** Paths match exactly, and a path parameter is no longer than a URL may be. */
const ROUTER_OPTIONS = { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, maxParamLength: HTTP_LIMITS.maxUrlBytes };

function noRouteSchemas(): never {
  throw new Error("netboot's routes check their input themselves: a route schema has no compiler here");
}

/**
 * Options every netboot Fastify app shares. No route has a JSON schema, so
 * Fastify is given compilers that refuse one instead of loading Ajv and
 * fast-json-stringify for nothing at every start.
 */
export const FASTIFY_OPTIONS = {
  routerOptions: ROUTER_OPTIONS,
  schemaController: { compilersFactory: { buildValidator: noRouteSchemas, buildSerializer: noRouteSchemas } },
};

const MACHINE_ROUTES: Record<string, MachineHandler> = { ...bootRoutes, ...templateRoutes };

/**
 * The boot server's HTTP app. Like Matchbox's Go ServeMux, every method is
 * accepted on every route, paths match exactly, non-canonical paths are
 * redirected, and anything else is `404 page not found`.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const logger = options.logger as unknown as FastifyBaseLogger;
  const app = Fastify({
    serverFactory: limitedServerFactory(options.https),
    loggerInstance: logger,
    // One log line per request is written by the onResponse hook below instead,
    // with the request id in it: no child logger is made for every request.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: (parent) => parent,
    return503OnClosing: false,
    forceCloseConnections: false,
    ...FASTIFY_OPTIONS,
  });

  // Request bodies mean nothing to a boot server (Matchbox ignores them): never parse one.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", (request, payload, done) => {
    const length = Number(request.headers["content-length"] ?? 0);
    if (length > HTTP_LIMITS.maxBodyBytes) {
      done(Object.assign(new Error(`request body larger than ${HTTP_LIMITS.maxBodyBytes} bytes`), { statusCode: 413 }), undefined);
      return;
    }
    payload.resume(); // discard it
    done(null, undefined);
  });

  const assets = options.assetsPath === undefined ? undefined : new AssetFiles(options.assetsPath, new Set(options.hiddenAssets));

  app.decorateRequest("outcome", null as never);
  app.decorateRequest("answered", null as never);
  // Callback hooks (no promise per request). A response is reported once: when it finishes,
  // or when the client goes away mid-body (fastify runs no onResponse hook for that).
  app.addHook("onRequest", (request, reply, done) => {
    request.outcome = {};
    // Read at the start: a socket the client has closed no longer knows its peer.
    request.answered = { remote: request.ip, reported: false };
    // One shared listener (no closure per request): the response finds its reply by a symbol.
    (reply.raw as ResponseWithReply)[REPLY] = reply;
    reply.raw.on("close", reportIfCutShort);
    done();
  });
  function reportIfCutShort(this: ResponseWithReply): void {
    const reply = this[REPLY];
    if (reply && !this.writableFinished) reportResponse(reply.request, reply);
  }
  app.addHook("onResponse", (request, reply, done) => {
    reportResponse(request, reply);
    done();
  });
  const reportResponse = (request: FastifyRequest, reply: FastifyReply) => {
    const answered = request.answered ?? { remote: request.ip, reported: false };
    if (answered.reported) return;
    answered.reported = true;
    const remote = answered.remote;
    const o = request.outcome ?? {};
    const line = {
      reqId: request.id,
      method: request.method,
      url: request.url,
      endpoint: o.endpoint,
      labels: o.labels,
      ignoredMacs: o.ignoredMacs,
      group: o.group,
      profile: o.profile,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      reason: o.reason,
      error: o.error,
      remembered: o.remembered,
      remembers: o.remembers,
      remote,
    };
    if (reply.statusCode >= 500) request.log.error(line, "request");
    else if (o.ignoredMacs) request.log.warn(line, "request (unparseable MAC address ignored)");
    else request.log.info(line, "request");
    if (options.onResponse) {
      const raw = reply.raw;
      const length = Number(reply.getHeader("content-length") ?? raw.getHeader("content-length") ?? 0);
      try {
        options.onResponse({
          method: request.method,
          url: request.url,
          endpoint: o.endpoint,
          outcome: o,
          status: reply.statusCode,
          durationMs: reply.elapsedTime,
          bytes: request.method === "HEAD" ? 0 : raw.writableFinished ? length : Math.max(0, raw.socket?.bytesWritten ?? 0),
          completed: raw.writableFinished,
          remoteAddress: remote,
          atMs: Date.now(),
        });
      } catch (err) {
        request.log.error({ err }, "response observer failed");
      }
    }
  };
  app.setErrorHandler((error, request, reply) => {
    const err = error as { statusCode?: number; message?: string };
    request.log.error({ err: error, reqId: request.id, url: request.url }, "request failed");
    const status = err.statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).header("content-type", "text/plain; charset=utf-8").send(`${status} ${oneLine(err.message ?? "bad request")}\n`);
    }
    return reply.code(500).header("content-type", "text/plain; charset=utf-8").send("500 internal server error\n");
  });
  app.setNotFoundHandler((_request, reply) => sendNotFound(reply));
  const record = options.state?.record?.bind(options.state);
  if (record) {
    // A successful answer from a sticky group is sent once what the machine remembers is on disk.
    app.addHook("onSend", async (request, reply, payload) => {
      const stick = request.outcome?.stick;
      if (!stick || reply.statusCode < 200 || reply.statusCode >= 300) return payload;
      try {
        const result = await record(stick.mac, stick.labels, { group: stick.group, endpoint: request.outcome.endpoint ?? "" });
        if (result.result === "remembered") request.outcome.remembers = result.labels;
      } catch (err) {
        request.log.error({ err, mac: stick.mac }, "machine state: recording failed");
      }
      return payload;
    });
  }

  // Answers made in one turn of the event loop are written together at its end. A busy
  // server then wakes each client's side once per turn rather than once per answer:
  // on loopback, waking the reader cost more CPU than working out most answers.
  const writes = turnEndBatch<() => void>((pending) => {
    for (const write of pending) {
      try {
        write();
      } catch (err) {
        logger.error({ err }, "response write failed");
      }
    }
  });
  app.addHook("onSend", (_request, _reply, payload, done) => writes.add(() => done(null, payload)));

  const answer = (request: FastifyRequest, reply: FastifyReply): unknown => {
    if (request.url.length > HTTP_LIMITS.maxUrlBytes) {
      request.outcome.reason = "url too long";
      return reply.code(414).header("content-type", "text/plain; charset=utf-8").send("414 URI Too Long\n");
    }
    const { rawPath, rawQuery } = splitTarget(request.url);
    if (countPairs(rawQuery) > HTTP_LIMITS.maxQueryParameters) {
      request.outcome.reason = "too many query parameters";
      return reply.code(400).header("content-type", "text/plain; charset=utf-8").send(`400 Bad Request: more than ${HTTP_LIMITS.maxQueryParameters} query parameters\n`);
    }
    const decoded = percentDecode(rawPath, false);
    if (decoded === undefined) {
      request.outcome.reason = "bad path";
      return reply.code(400).header("content-type", "text/plain; charset=utf-8").send("400 Bad Request: invalid URL escape\n");
    }
    const clean = cleanPath(decoded);
    if (clean !== decoded) {
      request.outcome.reason = "redirect";
      return sendRedirect(reply, escapePath(clean) + (rawQuery ? "?" + rawQuery : ""));
    }
    const machine = MACHINE_ROUTES[decoded];
    if (machine) {
      const { labels, rejectedMacs } = labelsFromQuery(rawQuery);
      request.outcome.endpoint = decoded;
      request.outcome.labels = Object.fromEntries(labels);
      if (rejectedMacs.length > 0) request.outcome.ignoredMacs = rejectedMacs;
      const mac = options.state ? machineOf(labels) : undefined;
      const remembered = mac === undefined ? undefined : options.state!.labelsOf(mac);
      const inEffect = remembered && rememberedInEffect(labels, remembered);
      if (inEffect && Object.keys(inEffect).length > 0) request.outcome.remembered = { ...inEffect };
      const matchLabels = remembered ? withRemembered(labels, remembered) : undefined;
      return machine({ snapshot: options.store.current, labels, rawQuery, ...(matchLabels ? { matchLabels } : {}), ...(mac !== undefined ? { machine: mac } : {}) }, reply);
    }
    const extra = options.extraRoutes?.[decoded];
    if (extra) {
      request.outcome.endpoint = decoded;
      return extra(request, reply);
    }
    if (decoded === "/") {
      request.outcome.endpoint = "/";
      return sendText(reply, "netboot\n");
    }
    if (assets !== undefined) {
      if (decoded === "/assets") return sendRedirect(reply, "/assets/" + (rawQuery ? "?" + rawQuery : ""));
      if (decoded.startsWith(ASSETS_PREFIX)) {
        const relative = decoded.slice(ASSETS_PREFIX.length);
        if (!options.assetsHook) return assets.serve(request, reply, relative);
        return options.assetsHook(request, reply, relative).then((answered) => answered ?? assets.serve(request, reply, relative));
      }
    }
    return sendNotFound(reply);
  };
  // Every answer is sent by `answer` itself; fastify is handed no promise, so it never
  // looks at a reply whose write is still waiting for the end of the turn.
  const dispatch = (request: FastifyRequest, reply: FastifyReply): void => {
    const answered = answer(request, reply);
    if (answered instanceof Promise) answered.catch((err: unknown) => failed(request, reply, err));
  };
  const failed = (request: FastifyRequest, reply: FastifyReply, err: unknown) => {
    if (reply.raw.headersSent) request.log.error({ err, reqId: request.id, url: request.url }, "request failed after its answer began");
    else reply.send(err);
  };

  app.route({ method: app.supportedMethods, url: "*", handler: dispatch });
  app.route({ method: app.supportedMethods, url: "/", handler: dispatch });
  return app;
}
