import { isNetbootError, NetbootError } from "../errors.js";
import { checkCloudConfig } from "../render/cloud-config.js";
import { butaneIgnitionStages, isRawIgnition, rawIgnition } from "../render/ignition.js";
import { sniffContentType } from "../render/sniff.js";
import { renderTemplateBytes } from "../render/template.js";
import { templateData, type TemplateData } from "../render/template-data.js";
import { dataRelativePath } from "../store/paths.js";
import type { TemplateFile } from "../store/snapshot.js";
import type { TemplateKind } from "../store/types.js";
import { utf8Decode } from "../template/bytestring.js";
import { nextTurn } from "../util/turns.js";
import type { MachineHandler } from "./boot-routes.js";
import { requireProfile, type MachineRequest } from "./context.js";
import { identity, RenderCache, type Rendered } from "./render-cache.js";
import { sendContent, sendError, sendNotFound } from "./respond.js";
import type { FastifyReply } from "fastify";

/** Rendered answers kept for repeated requests: at most 1,024, and 32 MiB. */
const cache = new RenderCache(1024, 32 * 1024 * 1024);

function templateOf(req: MachineRequest, reply: FastifyReply, kind: TemplateKind) {
  const selected = requireProfile(req, reply);
  if (!selected) return undefined;
  const { group, profile } = selected;
  const name = { ignition: profile.ignitionId, generic: profile.genericId, cloud: profile.cloudId }[kind];
  const file = name === "" ? undefined : req.snapshot.template(kind, name);
  if (!file) {
    // A file that exists but was refused (too large, unreadable) is a configuration error, not a missing file.
    const path = name === "" ? undefined : dataRelativePath(kind, name);
    const problems = path === undefined ? [] : req.snapshot.problems.filter((p) => p.file === path && p.severity === "error");
    const problem = problems.find((p) => !p.notAFile);
    if (problem) {
      sendError(reply, new NetbootError("NB_CONFIG_FILE", `${problem.file}: ${problem.message}`));
      return undefined;
    }
    const notAFile = problems.find((p) => p.notAFile);
    reply.request.outcome.error =
      name === "" ? `profile ${profile.file} names no ${kind} template` : notAFile ? `${notAFile.file}: ${notAFile.message}` : `${kind}/${name} does not exist`;
    sendNotFound(reply, "no template");
    return undefined;
  }
  return { group, profile, name, file };
}

/**
 * Runs the pieces of a render one event-loop turn each (see util/turns.ts),
 * turning a configuration error into its answer. A RangeError (a string or
 * array too large for the engine) is a configuration error of the file too.
 */
async function inTurns(file: TemplateFile, code: NetbootError["code"], pieces: () => AsyncGenerator<void, Rendered>): Promise<Rendered> {
  try {
    const run = pieces();
    for (;;) {
      await nextTurn();
      const step = await run.next();
      if (step.done) return step.value;
    }
  } catch (err) {
    if (isNetbootError(err)) return { error: err };
    if (err instanceof RangeError) return { error: new NetbootError(code, `${file.file}: ${err.message}`) };
    throw err;
  }
}

function renderedKey(file: TemplateFile, req: MachineRequest, group: object): string {
  return `${identity(file)}\0${identity(group)}\0${req.rawQuery}`;
}

function renderedText(kind: "generic" | "cloud"): MachineHandler {
  return async (req, reply) => {
    const found = templateOf(req, reply, kind);
    if (!found) return;
    const { file, group } = found;
    const rendered = await cache.get(renderedKey(file, req, group), () =>
      // The loader parsed the template when it read the file (the parse is kept with it): rendering is the first piece.
      inTurns(file, "NB_TEMPLATE", async function* () {
        const body = renderTemplateBytes(file, templateData(group, req.labels, req.rawQuery));
        if (kind === "cloud") {
          yield;
          checkCloudConfig(utf8Decode(body), file.file);
        }
        return { body, contentType: sniffContentType(body), warnings: [] };
      }),
    );
    if ("error" in rendered) return sendError(reply, rendered.error);
    return sendContent(reply.request, reply, rendered.body, rendered.contentType);
  };
}

function ignitionPieces(name: string, file: TemplateFile, data: () => TemplateData): () => AsyncGenerator<void, Rendered> {
  return async function* () {
    let json: string;
    let warnings: readonly string[];
    if (isRawIgnition(name)) {
      ({ json, warnings } = rawIgnition(file));
    } else {
      const butane = utf8Decode(renderTemplateBytes(file, data()));
      yield;
      ({ json, warnings } = yield* butaneIgnitionStages(file, butane));
    }
    return { body: Buffer.from(json, "utf8"), contentType: "application/json", warnings };
  };
}

export const templateRoutes: Record<string, MachineHandler> = {
  "/generic": renderedText("generic"),
  "/cloud": renderedText("cloud"),
  "/ignition": async (req, reply) => {
    const found = templateOf(req, reply, "ignition");
    if (!found) return;
    const { name, file, group } = found;
    // Raw Ignition does not depend on the machine: one entry per file.
    const key = isRawIgnition(name) ? `${identity(file)}` : renderedKey(file, req, group);
    const rendered = await cache.get(key, () =>
      inTurns(file, "NB_BUTANE", ignitionPieces(name, file, () => templateData(group, req.labels, req.rawQuery))),
    );
    if ("error" in rendered) return sendError(reply, rendered.error);
    if (rendered.warnings.length > 0) reply.log.warn({ file: file.file, warnings: rendered.warnings }, "Butane warnings");
    // A Buffer, so the Content-Type stays exactly Matchbox's (no charset parameter added).
    return reply.code(200).header("content-type", rendered.contentType).send(rendered.body);
  },
};
