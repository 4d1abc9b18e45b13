/**
 * Node as a container's PID 1 ignores SIGTERM unless a handler is installed.
 * Until a command installs its own (to drain requests, or to remove a
 * WireGuard interface), SIGTERM and SIGINT simply end the process.
 */
const EARLY_SIGNALS = ["SIGTERM", "SIGINT"] as const;
const exitNow = () => process.exit(0);

export function exitOnSignalsUntilTakenOver(): void {
  for (const signal of EARLY_SIGNALS) process.on(signal, exitNow);
}

/** Called by a command just before it installs its own signal handlers. */
export function takeOverSignals(): void {
  for (const signal of EARLY_SIGNALS) process.off(signal, exitNow);
}
