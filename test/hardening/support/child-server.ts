import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

export interface ChildServer {
  proc: ChildProcess;
  url: string;
  logs: Record<string, unknown>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Kills the process if it is still running (by its own PID). */
  stop(): void;
}

/** Runs `node <cli> serve …` as a child process (after `wrapper`, a command that ends by exec'ing its arguments) and waits until it listens. */
export async function spawnServer(cli: string, args: string[], timeoutMs = 20_000, wrapper: string[] = []): Promise<ChildServer> {
  const command = [...wrapper, process.execPath, cli, "serve", "-address", "127.0.0.1:0", ...args];
  const proc = spawn(command[0]!, command.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  const logs: Record<string, unknown>[] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: proc.stderr! }).on("line", (line) => {
    if (!line.startsWith("{")) return;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on("exit", (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    });
  });
  let running = true;
  void exited.then(() => (running = false));

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

  const listening = await waitForLog((l) => l.msg === "listening" && typeof l.url === "string", timeoutMs);
  return {
    proc,
    url: listening.url as string,
    logs,
    exited,
    waitForLog,
    stop() {
      if (running && proc.pid) process.kill(proc.pid, "SIGKILL");
    },
  };
}
