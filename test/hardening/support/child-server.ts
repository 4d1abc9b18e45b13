import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  /** The views' own listener, when `-debug-address HOST:PORT` was given. */
  debugUrl: string | undefined;
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Kills the process if it is still running (by its own PID). */
  stop(): void;
}

export interface SpawnOptions {
  timeoutMs?: number;
  /** Options for node itself, such as `--max-old-space-size=96`. */
  nodeOptions?: string[];
  /** A command that runs node, such as `["prlimit", "--nofile=256:256", "--"]` (it must exec, so that the PID is the server's). */
  wrapper?: string[];
  /** Which log lines to keep (all by default); a flood's request lines would fill the test's memory. */
  keepLine?: (line: string) => boolean;
}

/** Runs `node <cli> serve …` as a child process and waits until it listens. */
export async function spawnServer(cli: string, args: string[], options: SpawnOptions = {}): Promise<ChildServer> {
  const command = [...(options.wrapper ?? []), process.execPath, ...(options.nodeOptions ?? []), cli, "serve", "-address", "127.0.0.1:0", ...args];
  const proc = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  const keepLine = options.keepLine ?? (() => true);
  const logs: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: proc.stderr! }).on("line", (line) => {
    if (!line.startsWith("{") || !keepLine(line)) return;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const listener of listeners) listener();
  });
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on("exit", (code, signal) => {
      running = false;
      resolve({ code, signal });
      for (const listener of listeners) listener();
    });
  });

  const waitForLog = (match: (line: Record<string, unknown>) => boolean, wait = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) done(() => resolve(found));
        else if (!running) done(() => reject(new Error(`server exited without the expected log line; logs: ${JSON.stringify(logs).slice(0, 2000)}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no matching log line within ${wait} ms`))), wait);
      const done = (finish: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        finish();
      };
      listeners.add(check);
      check();
    });

  const listening = await waitForLog((l) => l.msg === "listening" && typeof l.url === "string", options.timeoutMs ?? 20_000);
  return {
    proc,
    url: listening.url as string,
    debugUrl: typeof listening.debugViews === "string" && listening.debugViews.startsWith("http") ? listening.debugViews : undefined,
    logs,
    exited,
    waitForLog,
    stop() {
      if (running && proc.pid) process.kill(proc.pid, "SIGKILL");
    },
  };
}
