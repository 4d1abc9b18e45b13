import type { FastifyReply } from "fastify";
import type { Labels } from "../match/labels.js";
import type { Snapshot } from "../store/snapshot.js";
import type { Group, Profile } from "../store/types.js";
import { sendNotFound } from "./respond.js";

/** What a machine endpoint works from: one snapshot, the request's labels and raw query. */
export interface MachineRequest {
  snapshot: Snapshot;
  /** The query's labels: what templates see as `request.query`. */
  labels: Labels;
  rawQuery: string;
  /** The labels a group is selected with, when the machine remembers some (sticky groups); else `labels`. */
  matchLabels?: Labels;
  /** The machine's MAC, when machine state is kept: a sticky group's labels are remembered for it. */
  machine?: string;
}

/** The matching group, or a 404 "no group" sent. */
export function requireGroup(req: MachineRequest, reply: FastifyReply): Group | undefined {
  const group = req.snapshot.index.select(req.matchLabels ?? req.labels);
  if (!group) {
    sendNotFound(reply, "no group");
    return undefined;
  }
  const outcome = reply.request.outcome;
  outcome.group = group.id || group.file;
  if (group.remember && req.machine !== undefined && Object.keys(group.remember).length > 0) {
    outcome.stick = { mac: req.machine, labels: group.remember, group: outcome.group };
  }
  return group;
}

/** The matching group's profile, or a 404 "no group"/"no profile" sent. */
export function requireProfile(req: MachineRequest, reply: FastifyReply): { group: Group; profile: Profile } | undefined {
  const group = requireGroup(req, reply);
  if (!group) return undefined;
  const profile = group.profile === "" ? undefined : req.snapshot.profileFor(group.profile);
  if (!profile) {
    sendNotFound(reply, "no profile");
    if (group.profile !== "") reply.request.outcome.error = `group ${group.file} names profile "${group.profile}", which is missing or invalid`;
    return undefined;
  }
  reply.request.outcome.profile = profile.id;
  return { group, profile };
}
