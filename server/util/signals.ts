/**
 * Node as a container's PID 1 ignores SIGTERM unless a handler is installed.
 * Until a command installs its own (to drain requests, or to remove a
 * WireGuard interface), SIGTERM and SIGINT simply end the process.
 */
const STOP_SIGNALS = ["SIGTERM", "SIGINT"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

const exitNow = () => process.exit(0);

export function exitOnSignalsUntilTakenOver(): void {
  for (const signal of STOP_SIGNALS) process.on(signal, exitNow);
}

/**
 * Replaces the early handlers: `stop` runs on the first SIGTERM or SIGINT,
 * `again` on any later one. The handlers stay installed rather than running
 * once: execa's clean-up of child processes (signal-exit) sends a signal to
 * the process again when it finds no other listener for it, which would end
 * the process in the middle of stopping whenever a child (`wg`, `ip`) was
 * running.
 */
export function onStopSignals(stop: (signal: StopSignal) => void, again: (signal: StopSignal) => void = () => undefined): void {
  for (const signal of STOP_SIGNALS) process.off(signal, exitNow);
  let stopping = false;
  for (const signal of STOP_SIGNALS) {
    process.on(signal, () => {
      if (stopping) return again(signal);
      stopping = true;
      stop(signal);
    });
  }
}
