import { execFile, execFileSync } from "node:child_process";
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = path.join(REPO_ROOT, "dist/server/cli/main.js");

function newestSource(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Makes sure `dist/` holds a build of the current `server/` sources (as `npm ci`
 * leaves it through `prepare`), building it when missing or older than a source.
 * Builds are serialised with a lock so that parallel builds do not collide.
 */
export function ensureBuiltCli(): string {
  const stale = () => !existsSync(CLI) || statSync(CLI).mtimeMs < newestSource(path.join(REPO_ROOT, "server"));
  if (stale()) {
    try {
      // As `npm run build`: compile, then bundle the command (even when tsc reports type errors).
      execFileSync("flock", ["/tmp/netboot-test-build.lock", "sh", "-c", "npx tsc -p tsconfig.build.json; compiled=$?; node scripts/bundle.mjs && exit $compiled"], {
        cwd: REPO_ROOT,
        stdio: "pipe",
        timeout: 240_000,
      });
    } catch (err) {
      // Type errors still emit JavaScript; `npm test` reports them through its own type check.
      if (!existsSync(CLI)) throw err;
    }
    chmodSync(CLI, 0o755); // as `npm run build` leaves it: the package's bin
  }
  if (stale()) throw new Error("dist/ is still older than server/ after building: run `npm run build` and read its errors");
  return CLI;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `netboot` with these arguments and only PATH (plus `env`) in its environment, without blocking the test's event loop. */
export function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { encoding: "utf8", timeout: 20_000, cwd: REPO_ROOT, env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    child.stdin?.end(input ?? "");
  });
}
