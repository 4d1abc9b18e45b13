import type { FastifyReply, FastifyRequest } from "fastify";
import { parseMac } from "../match/mac.js";
import { rawQueryOf } from "../match/labels.js";
import { parseQuery } from "../match/query.js";
import type { NetbootMetrics } from "../observe/metrics.js";
import type { BootTimeline } from "../observe/timeline.js";
import type { MachineStateStore } from "../state/store.js";
import type { DataStore } from "../store/store.js";
import type { Explainer } from "../validate/explain.js";

export type ViewHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

export const MACHINES_PREFIX = "/machines/";

export function sendJson(reply: FastifyReply, status: number, value: unknown): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "application/json; charset=utf-8")
    .header("cache-control", "no-store")
    .send(JSON.stringify(value, null, 2) + "\n");
}

/** The machine id a path segment or query value names: a MAC in any notation (normalised), else as given. */
export function machineId(text: string): string {
  return parseMac(text) ?? text;
}

/**
 * Liveness and readiness; always on the main listener, where probes look. The
 * server listens only once a snapshot is loaded, so readiness is never false:
 * what it adds is the detail of the snapshot in service, and `status`
 * "degraded" while any file or folder is a problem (broken, or unreadable and
 * served from its last good version). Failing the probe then would take the
 * last good configuration out of service too.
 */
export function healthRoutes(store: DataStore): Record<string, ViewHandler> {
  return {
    "/healthz": (_request, reply) => reply.code(200).header("content-type", "text/plain; charset=utf-8").send("ok\n"),
    "/readyz": (_request, reply) => {
      const snapshot = store.current;
      // A rejected file does not make the server unready: the rest (and the file's last good version) is served.
      return sendJson(reply, 200, {
        ready: true,
        status: snapshot.problems.length === 0 ? "ok" : "degraded",
        generation: snapshot.generation,
        loadedAt: snapshot.loadedAt.toISOString(),
        groups: snapshot.groups.length,
        profiles: snapshot.profiles.size,
        templates: snapshot.templates.size,
        problems: snapshot.problems.map((p) => ({
          file: p.file,
          ...(p.pointer ? { pointer: p.pointer } : {}),
          severity: p.severity,
          message: withoutExcerpt(p.message),
          servingLastGood: p.servingLastGood ?? false,
          ...(p.unreadable ? { unreadable: true } : {}),
        })),
      });
    },
  };
}

/**
 * V8's JSON.parse quotes a piece of the document ("…" is not valid JSON);
 * /readyz is on the machines' listener, and that piece may be part of a secret.
 */
export function withoutExcerpt(message: string): string {
  return message.replace(/Unexpected token .* is not valid JSON$/s, "unexpected token (the document is not valid JSON)");
}

export interface ViewDependencies {
  timeline: BootTimeline;
  metrics: NetbootMetrics;
  explainer: Explainer;
  /** Machine state (sticky groups), when kept. */
  state?: MachineStateStore;
}

/** A machine's timeline and, when state is kept, what it remembers (also for a machine not seen since the start). */
function machineTimeline(timeline: BootTimeline, id: string, reply: FastifyReply, state?: MachineStateStore): FastifyReply {
  const machine = timeline.get(machineId(id)) ?? timeline.get(`uuid:${id}`);
  const mac = parseMac(id);
  const remembered = state && mac !== undefined ? (state.get(mac) ?? null) : undefined;
  if (!machine && !remembered) return sendJson(reply, 404, { error: `no boot recorded for ${id}` });
  if (!machine) return sendJson(reply, 200, { id: mac, mac, timeline: [], remembered });
  return sendJson(reply, 200, remembered === undefined ? machine : { ...machine, remembered });
}

/** The read-only views: explain, boot timeline and metrics. */
export function viewRoutes(deps: ViewDependencies): Record<string, ViewHandler> {
  return {
    "/explain": async (request, reply) => sendJson(reply, 200, await deps.explainer.explain(rawQueryOf(request.url))),
    "/machines": (request, reply) => {
      const query = parseQuery(rawQueryOf(request.url));
      const id = query.get("mac")?.[0] ?? query.get("uuid")?.[0] ?? query.get("id")?.[0];
      if (id !== undefined) return machineTimeline(deps.timeline, id, reply, deps.state);
      const state = deps.state ? { remembered: deps.state.list(), stateProblems: deps.state.problems() } : {};
      return sendJson(reply, 200, { machines: deps.timeline.list(), ...state });
    },
    "/metrics": async (_request, reply) => {
      const text = await deps.metrics.render();
      return reply.code(200).header("content-type", deps.metrics.contentType()).header("cache-control", "no-store").send(text);
    },
  };
}

/** `/machines/<mac or uuid>`: the one view that is not an exact path. */
export function machineByPath(timeline: BootTimeline, state?: MachineStateStore): ViewHandler {
  return (request, reply) => {
    const path = request.url.split("?", 1)[0]!;
    let id: string;
    try {
      id = decodeURIComponent(path.slice(MACHINES_PREFIX.length));
    } catch {
      return sendJson(reply, 400, { error: "invalid escape in the machine id" });
    }
    if (request.outcome) request.outcome.endpoint = "/machines";
    return machineTimeline(timeline, id, reply, state);
  };
}
