/**
 * Heavy synchronous work (rendering a template, translating Butane) waits for
 * its turn here: one piece per event-loop iteration, first come first served.
 * Between two pieces Node reads every socket that is ready, so cheap requests
 * (`/healthz`, boot scripts) are answered after at most one piece of work,
 * however many renders are queued.
 */
const waiting: Array<() => void> = [];
let scheduled = false;

function runOne(): void {
  // The resolved piece runs in this iteration's microtasks, right after this callback.
  waiting.shift()?.();
  if (waiting.length > 0) setImmediate(runOne);
  else scheduled = false;
}

/** Resolves when it is this caller's turn to do one piece of heavy work. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(runOne);
    }
  });
}
