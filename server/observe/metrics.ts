import { readFile } from "node:fs/promises";
import type { StatusSnapshot } from "../wireguard/status-view.js";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { ResponseInfo } from "../http/app.js";
import type { StateEvent } from "../state/store.js";
import type { Snapshot } from "../store/snapshot.js";
import type { FileProblem } from "../store/types.js";
import type { PeerStatus } from "../wireguard/dump.js";
import { parseWgDump } from "../wireguard/dump.js";
import { TalliedCounter } from "./tally.js";
import { stageOf, type BootStage } from "./timeline.js";

/** Routes with their own label value; anything else is "other", so a scan cannot blow up the label set. */
const KNOWN_ROUTES = new Set([
  "/",
  "/boot.ipxe",
  "/boot.ipxe.0",
  "/ipxe",
  "/grub",
  "/ignition",
  "/generic",
  "/cloud",
  "/metadata",
  "/explain",
  "/machines",
  "/metrics",
  "/healthz",
  "/readyz",
  "/assets/",
]);

export function routeLabel(info: Pick<ResponseInfo, "endpoint" | "url">): string {
  if (info.endpoint !== undefined && KNOWN_ROUTES.has(info.endpoint)) return info.endpoint;
  if (info.url.startsWith("/machines/")) return "/machines";
  return "other";
}

/** Reads WireGuard peers for a scrape; resolves undefined when they cannot be read. */
export type PeerSource = () => Promise<PeerStatus[] | undefined>;

export interface MetricsOptions {
  /** The snapshot in service, read at scrape time. */
  snapshot: () => Snapshot | undefined;
  machinesTracked?: () => number;
  /** Open client connections of the main listener, and how many it allows. */
  connections?: { open: () => number; limit: number };
  /** Machines remembered by sticky groups, and state files that cannot be read, when state is kept. */
  machineState?: () => { machines: number; problems: number };
  wireguard?: { interface: string; peers: PeerSource };
  /** Clock for handshake ages (seconds since the epoch). */
  nowSeconds?: () => number;
}

/**
 * The server's Prometheus metrics, in a registry of its own. Observing a
 * response is a handful of map updates; everything read from elsewhere
 * (snapshot sizes, WireGuard peers) is read only when scraped.
 */
export class NetbootMetrics {
  readonly registry = new Registry();
  private readonly requests: TalliedCounter<"route" | "method" | "status">;
  private readonly duration: Histogram<"route">;
  private readonly bytes: TalliedCounter<"route">;
  private readonly misses: TalliedCounter<"route" | "reason">;
  private readonly boots: TalliedCounter<"stage" | "result">;
  private readonly reloads: Counter<"result">;
  private readonly reloadProblems: Counter;
  private readonly reloadDuration: Histogram;
  private readonly shed: Counter<"action">;
  private readonly rpcWrites: Counter<"rpc" | "result">;
  private readonly stateChanges: Counter<"change" | "reason">;
  private peerRead: Promise<PeerStatus[] | undefined> | undefined;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const now = options.nowSeconds ?? (() => Date.now() / 1000);

    this.requests = new TalliedCounter({
      name: "netboot_http_requests_total",
      help: "HTTP requests answered, by route, method and status code.",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.duration = new Histogram({
      name: "netboot_http_request_duration_seconds",
      help: "Time from request to the end of the response (for assets: the whole download).",
      labelNames: ["route"],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    });
    this.bytes = new TalliedCounter({
      name: "netboot_http_response_bytes_total",
      help: "Response body bytes written, by route.",
      labelNames: ["route"],
      registers,
    });
    this.misses = new TalliedCounter({
      name: "netboot_match_misses_total",
      help: "Machine requests that got no answer, by route and reason (no group, no profile, no boot, no template, or an error code).",
      labelNames: ["route", "reason"],
      registers,
    });
    this.boots = new TalliedCounter({
      name: "netboot_boot_requests_total",
      help: "Requests that are part of a network boot, by stage and result (ok, error, aborted).",
      labelNames: ["stage", "result"],
      registers,
    });
    this.reloads = new Counter({
      name: "netboot_config_reloads_total",
      help: "Loads of the data directory, by result (ok, or problems when a file was rejected).",
      labelNames: ["result"],
      registers,
    });
    this.reloadProblems = new Counter({
      name: "netboot_config_reload_errors_total",
      help: "Data-directory file problems newly found by a load.",
      registers,
    });
    this.reloadDuration = new Histogram({
      name: "netboot_config_reload_duration_seconds",
      help: "Time to load the data directory.",
      buckets: [0.005, 0.025, 0.1, 0.5, 2, 10],
      registers,
    });
    this.rpcWrites = new Counter({
      name: "netboot_rpc_writes_total",
      help: "Writes through the gRPC API (Put and Delete), by method and result (ok, error).",
      labelNames: ["rpc", "result"],
      registers,
    });
    const snapshotGauge = (name: string, help: string, read: (s: Snapshot) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const snapshot = options.snapshot();
          if (snapshot) this.set(read(snapshot));
        },
      });
    snapshotGauge("netboot_groups_loaded", "Groups in the data directory snapshot in service.", (s) => s.groups.length);
    snapshotGauge("netboot_profiles_loaded", "Profiles in the snapshot in service.", (s) => s.profiles.size);
    snapshotGauge("netboot_templates_loaded", "Ignition, generic and cloud templates in the snapshot in service.", (s) => s.templates.size);
    snapshotGauge("netboot_config_problems", "Files of the data directory currently rejected (their last good version, if any, is served).", (s) => s.problems.filter((p) => p.severity === "error").length);
    snapshotGauge("netboot_config_last_reload_timestamp_seconds", "When the snapshot in service was loaded.", (s) => s.loadedAt.getTime() / 1000);

    const readGauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    const tracked = options.machinesTracked;
    if (tracked) readGauge("netboot_machines_tracked", "Machines in the in-memory boot timeline.", tracked);

    this.stateChanges = new Counter({
      name: "netboot_machine_state_changes_total",
      help: "Changes of what machines remember from sticky groups: remember, forget, or refused (reason max-machines, too-large, write-failed).",
      labelNames: ["change", "reason"],
      registers,
    });
    const state = options.machineState;
    if (state) {
      readGauge("netboot_machine_state_machines", "Machines that remember labels of sticky groups.", () => state().machines);
      readGauge("netboot_machine_state_problems", "Machine state files that cannot be read (their machines are treated as unknown).", () => state().problems);
    }

    this.shed = new Counter({
      name: "netboot_http_connections_shed_total",
      help: "Connections closed or refused to stay within -max-connections, by action (closed-idle, closed-busiest, refused).",
      labelNames: ["action"],
      registers,
    });
    if (options.connections) {
      const { open, limit } = options.connections;
      new Gauge({
        name: "netboot_http_connections",
        help: "Client connections open on the main listener.",
        registers,
        collect() {
          this.set(open());
        },
      });
      new Gauge({ name: "netboot_http_connections_limit", help: "Client connections the main listener allows at once (-max-connections).", registers }).set(limit);
    }

    if (options.wireguard) this.registerWireGuard(options.wireguard, now);
  }

  private registerWireGuard(wireguard: { interface: string; peers: PeerSource }, now: () => number): void {
    const registers = [this.registry];
    const iface = wireguard.interface;
    // One read per scrape (render() starts a new one), shared by the metrics below;
    // a failed read never fails the scrape.
    const peers = () => (this.peerRead ??= wireguard.peers().catch(() => undefined));
    new Gauge({
      name: "netboot_wireguard_up",
      help: "1 when the WireGuard interface could be read at this scrape.",
      labelNames: ["interface"],
      registers,
      async collect() {
        this.set({ interface: iface }, (await peers()) ? 1 : 0);
      },
    });
    const perPeer = (name: string, help: string, value: (p: PeerStatus) => number | null) =>
      new Gauge({
        name,
        help,
        labelNames: ["interface", "peer"],
        registers,
        async collect() {
          this.reset();
          for (const peer of (await peers()) ?? []) {
            const v = value(peer);
            if (v !== null) this.set({ interface: iface, peer: peer.publicKey }, v);
          }
        },
      });
    perPeer("netboot_wireguard_peer_last_handshake_age_seconds", "Seconds since the peer's latest handshake (absent before the first one).", (p) =>
      p.latestHandshake === null ? null : Math.max(0, now() - p.latestHandshake),
    );
    perPeer("netboot_wireguard_peer_receive_bytes", "Bytes received from the peer since the interface came up.", (p) => p.rxBytes);
    perPeer("netboot_wireguard_peer_transmit_bytes", "Bytes sent to the peer since the interface came up.", (p) => p.txBytes);
  }

  /** Counts one answered request (called for every response; cheap). */
  observeResponse(info: ResponseInfo, stage: BootStage | undefined = stageOf(info)): void {
    const route = routeLabel(info);
    this.requests.add(1, route, info.method, String(info.status));
    this.duration.observe({ route }, info.durationMs / 1000);
    if (info.bytes > 0) this.bytes.add(info.bytes, route);
    const reason = info.outcome.reason;
    if (reason !== undefined && info.status >= 400 && stage !== undefined && stage !== "asset") {
      this.misses.add(1, route, reason);
    }
    if (stage !== undefined) {
      const result = !info.completed ? "aborted" : info.status < 400 ? "ok" : "error";
      this.boots.add(1, stage, result);
    }
  }

  /** Counts a connection closed or refused to stay within the connection limit. */
  observeShed(action: string): void {
    this.shed.inc({ action });
  }

  /** Counts one change (or refused change) of the machine state. */
  observeState(event: StateEvent): void {
    this.stateChanges.inc(event.kind === "refused" ? { change: event.kind, reason: event.reason } : { change: event.kind });
  }

  /** Counts one load of the data directory. */
  observeReload(result: { snapshot: Snapshot; durationMs: number; newProblems: readonly FileProblem[] }): void {
    // Warnings (keys Matchbox ignores, groups it skips) reject nothing.
    const rejected = result.newProblems.filter((p) => p.severity === "error").length;
    this.reloads.inc({ result: rejected > 0 ? "problems" : "ok" });
    if (rejected > 0) this.reloadProblems.inc(rejected);
    this.reloadDuration.observe(result.durationMs / 1000);
  }

  /** Counts one write through the gRPC API. */
  observeRpcWrite(rpc: string, result: "ok" | "error"): void {
    this.rpcWrites.inc({ rpc, result });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    this.peerRead = undefined;
    return this.registry.metrics();
  }
}

/** Peers of a WireGuard interface from `wg show <interface> dump` (bounded in time; no secret is kept). */
export function wgDumpPeers(iface: string, timeoutMs = 2000): PeerSource {
  return async () => {
    // Loaded on first use: a server that reads no interface never pays for execa at start-up.
    const { execa } = await import("execa");
    const result = await execa("wg", ["show", iface, "dump"], { timeout: timeoutMs, reject: false, stdin: "ignore" });
    if (result.exitCode !== 0 || typeof result.stdout !== "string") return undefined;
    return parseWgDump(result.stdout);
  };
}

/**
 * Peers from the status file the WireGuard sidecar writes (`up --status-file`),
 * for a server that cannot read the interface itself. A file older than
 * `maxAgeSeconds` means the sidecar stopped writing: unreadable.
 */
export function statusFilePeers(file: string, maxAgeSeconds = 120, nowSeconds = () => Date.now() / 1000): PeerSource {
  return async () => {
    try {
      const snapshot = JSON.parse(await readFile(file, "utf8")) as StatusSnapshot;
      if (!Array.isArray(snapshot.peers) || nowSeconds() - snapshot.updatedAt > maxAgeSeconds) return undefined;
      return snapshot.peers;
    } catch {
      return undefined;
    }
  };
}
