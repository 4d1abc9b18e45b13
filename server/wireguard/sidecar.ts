/**
 * `netboot wireguard up`: bring the tunnel interface up from the state (a
 * directory, or a Secret read through the API), keep it in step with it, and
 * remove it on SIGTERM or SIGINT. Reloads use `wg syncconf`, so adding a
 * router keeps every existing session.
 */
import { onStopSignals } from "../util/signals.js";
import { createLink, enableIpv4Forwarding, type Log } from "./link.js";
import { filesFingerprint, type StateSource } from "./state-dir.js";
import { parseStateFiles, type WireGuardState } from "./state.js";
import { writeStatusFile } from "./status.js";
import { Tunnel } from "./tunnel.js";

export interface SidecarOptions {
  /** Where the state comes from: a directory (a mounted Secret) or a Secret read through the API. */
  source: StateSource;
  interfaceName: string;
  /** Enable IPv4 forwarding, for a server that routes the tunnel to other hosts. */
  forward: boolean;
  /** Clamp the TCP MSS of connections through the tunnel to fit its MTU. */
  clampMss: boolean;
  /** Overrides the state's listen port (the chart passes its container port). */
  listenPort?: number;
  /** TCP ports the tunnel may reach (with ICMP); everything else arriving through it is dropped. Unset: no filter. */
  allowTcpPorts?: number[];
  /** Use wireguard-go even when kernel WireGuard is available. */
  userspace: boolean;
  /** Fallback poll of the state directory, for file systems without inotify; also the status file's period. */
  pollIntervalMs: number;
  /** Where to write the peers' status as JSON (StatusSnapshot) every poll, for a process that cannot run `wg`. */
  statusFile?: string;
  log: Log;
}

function summary(state: WireGuardState): string {
  return `${state.peers.length} peer(s): ${state.peers.map((p) => p.name).join(", ") || "none"}`;
}

/** Runs until SIGTERM/SIGINT (exit code 0) or until wireguard-go dies (1). */
export async function runSidecar(options: SidecarOptions): Promise<number> {
  const { log, source, interfaceName } = options;
  const initialFiles = await source.readFiles();
  const initial = parseStateFiles(initialFiles);
  let fingerprint = filesFingerprint(initialFiles);
  const link = await createLink(interfaceName, log, { userspace: options.userspace });
  const tunnel = new Tunnel(link, options);
  try {
    if (options.forward) await enableIpv4Forwarding();
    await tunnel.apply(initial);
  } catch (err) {
    await tunnel.remove();
    throw err;
  }
  log(
    `${interfaceName} up (${link.kind}), address ${initial.server.address}, udp/${options.listenPort ?? initial.server.listenPort}, mtu ${initial.server.mtu}${options.clampMss ? " (MSS clamped)" : ""}${options.allowTcpPorts ? `, in from the tunnel: tcp/${options.allowTcpPorts.join(",")} and ICMP only` : ""}, ${summary(initial)}`,
  );

  let stopping = false;
  let current = initial;
  let refusedFingerprint: string | null = null;
  let readError: string | null = null;
  let reloading: Promise<void> = Promise.resolve();
  let pending = false;
  const reload = (): void => {
    if (pending || stopping) return;
    pending = true;
    reloading = reloading.then(async () => {
      pending = false;
      await applyIfChanged();
      if (options.statusFile) await writeStatus(options.statusFile);
    });
  };

  const applyIfChanged = async (): Promise<void> => {
    let files: Record<string, string | undefined>;
    try {
      files = await source.readFiles();
      readError = null;
    } catch (err) {
      // Said once per distinct error: an API server away for a while is not a flood of lines.
      const message = (err as Error).message;
      if (message !== readError) log(`cannot read ${source.label}: ${message}; keeping the running configuration`);
      readError = message;
      return;
    }
    const next = filesFingerprint(files);
    if (next === fingerprint || next === refusedFingerprint) return;
    try {
      const state = parseStateFiles(files);
      await tunnel.apply(state);
      current = state;
      fingerprint = next;
      log(`state changed; re-applied: ${summary(state)}`);
    } catch (err) {
      // Keep the last good configuration running; say so once per bad version.
      refusedFingerprint = next;
      log(`state change not applied: ${(err as Error).message}`);
    }
  };

  let statusError: string | null = null;
  const writeStatus = async (path: string): Promise<void> => {
    try {
      await writeStatusFile(path, interfaceName, current);
      statusError = null;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== statusError) log(`cannot write status to ${path}: ${message}`);
      statusError = message;
    }
  };
  if (options.statusFile) await writeStatus(options.statusFile);

  const stopWatching = source.watch?.(() => setTimeout(reload, 100), log);
  const poll = setInterval(reload, options.pollIntervalMs);

  const outcome = await new Promise<number>((resolve) => {
    // A repeated signal changes nothing: the interface and its rules are removed either way.
    onStopSignals(
      (signal) => {
        stopping = true;
        log(`${signal}: removing ${interfaceName}`);
        resolve(0);
      },
      (signal) => log(`${signal}: already removing ${interfaceName}`),
    );
    void link.child?.then((result) => {
      if (stopping) return;
      stopping = true;
      log(`wireguard-go exited (${result.exitCode ?? result.signal}); stopping`);
      resolve(1);
    });
  });

  stopWatching?.();
  clearInterval(poll);
  await reloading;
  await tunnel.remove();
  return outcome;
}
