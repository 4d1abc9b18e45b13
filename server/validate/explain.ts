import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { buildApp } from "../http/app.js";
import { labelsFromQuery } from "../match/labels.js";
import { machineOf, rememberedInEffect, withRemembered } from "../match/sticky.js";
import { labelValues, type MachineState, type RememberedLabel } from "../state/record.js";
import type { Snapshot } from "../store/snapshot.js";
import type { DataStore } from "../store/store.js";
import type { Group, Profile } from "../store/types.js";
import { TEMPLATE_FIELDS } from "./structure.js";

export interface SelectorCheck {
  key: string;
  /** The value the selector wants. */
  want: string;
  /** The request's label, or null when it has none (compared as ""). */
  label: string | null;
  matched: boolean;
  /** The label is one the machine remembers (sticky groups), not one of the query's. */
  remembered?: true;
}

export interface Candidate {
  /** Position in precedence order, from 1. */
  rank: number;
  id: string;
  file: string;
  matches: boolean;
  winner: boolean;
  checks: SelectorCheck[];
}

export interface EndpointResult {
  endpoint: string;
  status: number;
  contentType: string | null;
  /** The body a machine would get (cut at MAX_BODY_CHARS). */
  body: string;
  truncated: boolean;
  /** Why there is no answer, when the status says there is none. */
  reason?: string;
}

export interface Explanation {
  query: string;
  /** The query's labels. */
  labels: Record<string, string>;
  rejectedMacs: string[];
  /**
   * What the machine remembers from sticky groups (when the server keeps
   * state and the query names a MAC): the labels, with when and by which group
   * they were set, and those the query overrides with labels of its own.
   */
  remembered: { mac: string; labels: Record<string, RememberedLabel>; overridden: string[] } | null;
  /** The winner when the remembered labels are left out, if it is another group (or none). */
  withoutRemembered: { winner: { id: string; file: string } | null } | null;
  /** Labels a successful answer would make the machine remember (the winner is sticky), where they differ from what it remembers. */
  remembers: Record<string, string> | null;
  generation: number;
  candidates: Candidate[];
  /** Groups left out of `candidates`: they share no label with the request, or the list was full. */
  omittedCandidates: number;
  winner: { id: string; name: string; file: string; profile: string } | null;
  profile: { id: string; name: string; file: string; ignitionId: string; genericId: string; cloudId: string; boot: Profile["boot"] } | null;
  endpoints: EndpointResult[];
}

/** What explaining reads of the machine state. */
export interface StateReader {
  get(mac: string): MachineState | undefined;
  labelsOf(mac: string): Readonly<Record<string, string>> | undefined;
}

/** The labels of `wanted` whose value differs from `current`'s, or undefined when none does. */
function changedLabels(wanted: Readonly<Record<string, string>>, current: Readonly<Record<string, string>>): Record<string, string> | undefined {
  const changed = Object.entries(wanted).filter(([key, value]) => current[key] !== value);
  return changed.length > 0 ? Object.fromEntries(changed) : undefined;
}

const MAX_CANDIDATES = 100;
const MAX_BODY_CHARS = 64 * 1024;

function checksOf(group: Group, labels: ReadonlyMap<string, string>, fromState: Readonly<Record<string, string>>): SelectorCheck[] {
  return Object.keys(group.selector)
    .sort()
    .map((key) => {
      const label = labels.get(key);
      const want = group.selector[key]!;
      const check: SelectorCheck = { key, want, label: label ?? null, matched: (label ?? "") === want };
      if (Object.hasOwn(fromState, key)) check.remembered = true;
      return check;
    });
}

/**
 * Groups in precedence order that matter to these labels: every matching
 * group, and every group that agrees with at least one label (a near miss),
 * up to a bound. Other groups' metadata and profiles are never shown; only
 * their file, id and selector, which is what explains the choice.
 */
export function explainSelection(
  snapshot: Snapshot,
  labels: ReadonlyMap<string, string>,
  /** Labels among `labels` that the machine remembers rather than sent. */
  fromState: Readonly<Record<string, string>> = {},
): { candidates: Candidate[]; omitted: number; winner: Group | undefined } {
  const winner = snapshot.index.select(labels);
  const candidates: Candidate[] = [];
  let omitted = 0;
  snapshot.groups.forEach((group, position) => {
    const checks = checksOf(group, labels, fromState);
    const matches = checks.every((c) => c.matched);
    const relevant = matches || checks.some((c) => c.matched && c.label !== null);
    if (!relevant || candidates.length >= MAX_CANDIDATES) {
      omitted++;
      return;
    }
    candidates.push({ rank: position + 1, id: group.id, file: group.file, matches, winner: group === winner, checks });
  });
  return { candidates, omitted, winner };
}

/** Why an endpoint has no answer for this winner, as far as the data directory says. */
function missingReason(endpoint: string, snapshot: Snapshot, winner: Group | undefined, profile: Profile | undefined): string | undefined {
  if (!winner) return "no group matches these labels";
  if (endpoint === "/metadata") return undefined;
  if (winner.profile === "") return `group ${winner.file} names no profile`;
  if (!profile) return `profile "${winner.profile}" named by ${winner.file} does not exist or is invalid`;
  if (endpoint === "/ipxe" || endpoint === "/grub") return profile.boot ? undefined : `profile ${profile.file} has no boot section`;
  const field = TEMPLATE_FIELDS.find((f) => `/${f.kind}` === endpoint);
  if (!field) return undefined;
  const name = profile[field.field];
  if (name === "") return `profile ${profile.file} names no ${field.kind} template`;
  if (!snapshot.template(field.kind, name)) return `${field.kind}/${name} does not exist or could not be read`;
  return undefined;
}

/** Endpoints explained for a winner: the boot scripts, metadata, and each template the profile names. */
function endpointsFor(profile: Profile | undefined): string[] {
  const endpoints = ["/ipxe", "/grub", "/ignition", "/generic"];
  if (profile?.cloudId) endpoints.push("/cloud");
  endpoints.push("/metadata");
  return endpoints;
}

/**
 * Explains what a machine sending a query gets. The bodies come from the real
 * endpoints (a second, silent app over the same store), so they are exactly
 * what a machine fetching them would receive, and nothing more.
 */
export class Explainer {
  /** The second app, built on the first explanation (a server start need not wait for it). */
  private app: Promise<FastifyInstance> | undefined;

  private constructor(
    private readonly store: DataStore,
    private readonly state: StateReader | undefined,
  ) {}

  /** With `state`, machines are matched with what they remember, as the server matches them; explaining never changes it. */
  static async create(store: DataStore, state?: StateReader): Promise<Explainer> {
    return new Explainer(store, state);
  }

  private endpointsApp(): Promise<FastifyInstance> {
    // Only what the machines remember, never the means to record: explaining changes nothing.
    const state = this.state;
    const readOnly = state ? { state: { labelsOf: (mac: string) => state.labelsOf(mac) } } : {};
    return (this.app ??= buildApp({ store: this.store, assetsPath: undefined, logger: pino({ level: "silent" }), ...readOnly }).then(async (app) => {
      await app.ready();
      return app;
    }));
  }

  async explain(rawQuery: string): Promise<Explanation> {
    const snapshot = this.store.current;
    const { labels, rejectedMacs } = labelsFromQuery(rawQuery);
    const mac = this.state ? machineOf(labels) : undefined;
    const state = mac === undefined ? undefined : this.state!.get(mac);
    const values = state ? labelValues(state) : undefined;
    const fromState = values ? rememberedInEffect(labels, values) : {};
    const matchLabels = values ? withRemembered(labels, values) : labels;
    const { candidates, omitted, winner } = explainSelection(snapshot, matchLabels, fromState);
    const plainWinner = values ? snapshot.index.select(labels) : winner;
    const remembers = winner?.remember && mac !== undefined ? changedLabels(winner.remember, values ?? {}) : undefined;
    const profile = winner && winner.profile !== "" ? snapshot.profileFor(winner.profile) : undefined;
    const endpoints: EndpointResult[] = [];
    const app = await this.endpointsApp();
    for (const endpoint of endpointsFor(profile)) {
      const response = await app.inject({ method: "GET", url: rawQuery === "" ? endpoint : `${endpoint}?${rawQuery}` });
      const body = response.body;
      const result: EndpointResult = {
        endpoint,
        status: response.statusCode,
        contentType: (response.headers["content-type"] as string | undefined) ?? null,
        body: body.length > MAX_BODY_CHARS ? body.slice(0, MAX_BODY_CHARS) : body,
        truncated: body.length > MAX_BODY_CHARS,
      };
      if (response.statusCode >= 400) {
        result.reason = response.statusCode === 404 ? (missingReason(endpoint, snapshot, winner, profile) ?? "not found") : body.trim();
      }
      endpoints.push(result);
    }
    return {
      query: rawQuery,
      labels: Object.fromEntries(labels),
      rejectedMacs,
      remembered: state ? { mac: state.mac, labels: state.labels, overridden: Object.keys(values!).filter((key) => labels.has(key)) } : null,
      withoutRemembered: plainWinner !== winner ? { winner: plainWinner ? { id: plainWinner.id, file: plainWinner.file } : null } : null,
      remembers: remembers ?? null,
      generation: snapshot.generation,
      candidates,
      omittedCandidates: omitted,
      winner: winner ? { id: winner.id, name: winner.name, file: winner.file, profile: winner.profile } : null,
      profile: profile
        ? { id: profile.id, name: profile.name, file: profile.file, ignitionId: profile.ignitionId, genericId: profile.genericId, cloudId: profile.cloudId, boot: profile.boot }
        : null,
      endpoints,
    };
  }

  async close(): Promise<void> {
    if (this.app) await (await this.app).close();
  }
}
