import type { FastifyReply } from "fastify";
import { BOOT_IPXE, renderGrub, renderIpxe } from "../render/boot-scripts.js";
import { renderMetadata } from "../render/metadata.js";
import { templateData } from "../render/template-data.js";
import { requireGroup, requireProfile, type MachineRequest } from "./context.js";
import { sendNotFound, sendText } from "./respond.js";
import type { Boot } from "../store/types.js";

export type MachineHandler = (req: MachineRequest, reply: FastifyReply) => FastifyReply | void | Promise<FastifyReply | void>;

function bootScript(render: (boot: Boot) => string): MachineHandler {
  return (req, reply) => {
    const selected = requireProfile(req, reply);
    if (!selected) return;
    if (!selected.profile.boot) {
      reply.request.outcome.error = `profile ${selected.profile.file} has no boot section`;
      return sendNotFound(reply, "no boot");
    }
    return sendText(reply, render(selected.profile.boot));
  };
}

export const bootRoutes: Record<string, MachineHandler> = {
  "/boot.ipxe": (_req, reply) => sendText(reply, BOOT_IPXE),
  "/boot.ipxe.0": (_req, reply) => sendText(reply, BOOT_IPXE),
  "/ipxe": bootScript(renderIpxe),
  "/grub": bootScript(renderGrub),
  "/metadata": (req, reply) => {
    const group = requireGroup(req, reply);
    if (!group) return;
    return sendText(reply, renderMetadata(templateData(group, req.labels, req.rawQuery)));
  },
};
