import { isNetbootError } from "../errors.js";
import { checkCloudConfig } from "../render/cloud-config.js";
import { renderIgnition } from "../render/ignition.js";
import { sniffContentType } from "../render/sniff.js";
import { renderTemplateFile } from "../render/template.js";
import { templateData } from "../render/template-data.js";
import type { TemplateKind } from "../store/types.js";
import type { MachineHandler } from "./boot-routes.js";
import { requireProfile, type MachineRequest } from "./context.js";
import { sendContent, sendError, sendNotFound } from "./respond.js";
import type { FastifyReply } from "fastify";

function templateOf(req: MachineRequest, reply: FastifyReply, kind: TemplateKind) {
  const selected = requireProfile(req, reply);
  if (!selected) return undefined;
  const { group, profile } = selected;
  const name = { ignition: profile.ignitionId, generic: profile.genericId, cloud: profile.cloudId }[kind];
  const file = name === "" ? undefined : req.snapshot.template(kind, name);
  if (!file) {
    reply.request.outcome.error = name === "" ? `profile ${profile.file} names no ${kind} template` : `${kind}/${name} does not exist`;
    sendNotFound(reply, "no template");
    return undefined;
  }
  return { group, profile, name, file };
}

/** Runs a renderer, answering a configuration error with its status and reason. */
function guarded(reply: FastifyReply, render: () => FastifyReply): FastifyReply {
  try {
    return render();
  } catch (err) {
    if (isNetbootError(err)) return sendError(reply, err);
    throw err;
  }
}

function renderedText(kind: "generic" | "cloud"): MachineHandler {
  return (req, reply) => {
    const found = templateOf(req, reply, kind);
    if (!found) return;
    return guarded(reply, () => {
      const text = renderTemplateFile(found.file, templateData(found.group, req.labels, req.rawQuery));
      if (kind === "cloud") checkCloudConfig(text, found.file.file);
      const body = Buffer.from(text, "utf8");
      return sendContent(reply.request, reply, body, sniffContentType(body));
    });
  };
}

export const templateRoutes: Record<string, MachineHandler> = {
  "/generic": renderedText("generic"),
  "/cloud": renderedText("cloud"),
  "/ignition": (req, reply) => {
    const found = templateOf(req, reply, "ignition");
    if (!found) return;
    return guarded(reply, () => {
      const { json, warnings } = renderIgnition(found.name, found.file, templateData(found.group, req.labels, req.rawQuery));
      if (warnings.length > 0) reply.log.warn({ file: found.file.file, warnings }, "Butane warnings");
      // A Buffer, so the Content-Type stays exactly Matchbox's (no charset parameter added).
      return reply.code(200).header("content-type", "application/json").send(Buffer.from(json, "utf8"));
    });
  },
};
