import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { Logger } from "pino";
import { readApiToken } from "../config/api-token.js";
import { parseMac } from "../match/mac.js";
import type { MachineStateStore } from "../state/store.js";
import { MACHINES_PREFIX, sendJson } from "./views.js";

export interface StateRouteDependencies {
  /** undefined: no machine state is kept (-state-path unset). */
  state: MachineStateStore | undefined;
  /** undefined: the write API is off. */
  apiTokenFile: string | undefined;
  logger: Logger;
}

/** Equal tokens, compared in time that does not depend on where they differ (digests make the lengths equal too). */
function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * `/machines/<mac>/state`: GET shows what a machine remembers (read-only, as
 * the other views); DELETE forgets it, and needs the bearer token of
 * `-api-token-file`. Without a token file the write API is off. The token is
 * read from its file for each request (a rotated Secret applies at once) and
 * never logged.
 */
export function stateRoutes(deps: StateRouteDependencies): RouteOptions[] {
  const url = `${MACHINES_PREFIX}:id/state`;

  const machineOf = (request: FastifyRequest, reply: FastifyReply): string | undefined => {
    if (!deps.state) {
      sendJson(reply, 404, { error: "no machine state is kept: start netboot with -state-path DIR" });
      return undefined;
    }
    const id = (request.params as { id: string }).id;
    const mac = parseMac(id);
    if (mac === undefined) sendJson(reply, 400, { error: `${JSON.stringify(id)} is not a MAC address` });
    return mac;
  };

  const authorized = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    if (!deps.apiTokenFile) {
      sendJson(reply, 403, { error: "the write API is off: start netboot with -api-token-file FILE (a file holding a bearer token)" });
      return false;
    }
    const header = request.headers.authorization;
    const given = typeof header === "string" ? BEARER.exec(header)?.[1] : undefined;
    if (given === undefined) {
      reply.header("www-authenticate", 'Bearer realm="netboot"');
      sendJson(reply, 401, { error: "this needs the header Authorization: Bearer <token of -api-token-file>" });
      return false;
    }
    let expected: string;
    try {
      expected = await readApiToken(deps.apiTokenFile);
    } catch (err) {
      deps.logger.error({ file: deps.apiTokenFile, reason: (err as NodeJS.ErrnoException).code ?? (err as Error).message }, "write API: cannot read the API token file");
      sendJson(reply, 503, { error: "the API token file cannot be read (see the server log)" });
      return false;
    }
    if (!sameToken(given, expected)) {
      deps.logger.warn({ remote: request.ip, method: request.method, url: request.url }, "write API: wrong bearer token");
      reply.header("www-authenticate", 'Bearer realm="netboot", error="invalid_token"');
      sendJson(reply, 401, { error: "wrong bearer token" });
      return false;
    }
    return true;
  };

  return [
    {
      method: ["GET", "HEAD"],
      url,
      handler: async (request, reply) => {
        const mac = machineOf(request, reply);
        if (mac === undefined) return reply;
        const state = deps.state!.get(mac);
        if (!state) return sendJson(reply, 404, { error: `nothing is remembered for ${mac}` });
        return sendJson(reply, 200, state);
      },
    },
    {
      method: "DELETE",
      url,
      handler: async (request, reply) => {
        if (!(await authorized(request, reply))) return reply;
        const mac = machineOf(request, reply);
        if (mac === undefined) return reply;
        const result = await deps.state!.forget(mac, `API (${request.ip})`);
        if (!result.removed) return sendJson(reply, 404, { error: `nothing is remembered for ${mac}` });
        return sendJson(reply, 200, { mac, forgotten: result.state?.labels ?? {} });
      },
    },
  ];
}
