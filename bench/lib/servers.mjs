import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, SERVER_CPU, startPinned, waitForPort } from "./proc.mjs";

const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(BENCH_DIR);
export const CLI = path.join(REPO_ROOT, "dist/server/cli/main.js");

let netbootCli = CLI;
/** Measures another build of netboot (e.g. main's, for a before/after comparison): the path of its dist/server/cli/main.js. */
export function useNetbootCli(cli) {
  netbootCli = path.resolve(cli);
}
export const netbootCliInUse = () => netbootCli;

/** The NODE_OPTIONS the container image sets (its Dockerfile's `ENV NODE_OPTIONS=`), or "" when it sets none. */
export function imageNodeOptions() {
  const line = /^ENV NODE_OPTIONS=(.*)$/m.exec(readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8"));
  return line ? line[1].trim().replace(/^"(.*)"$/, "$1") : "";
}

async function started(handle, port, name, timeoutMs) {
  try {
    await waitForPort(port, timeoutMs);
  } catch (err) {
    await handle.stop();
    throw new Error(`${name}: ${err.message}`);
  }
  return { ...handle, port, url: `http://127.0.0.1:${port}`, name };
}

/**
 * `netboot serve` as shipped (default log level: a line per request), pinned to
 * the server CPU. Its log goes to a pipe that is read and dropped, as a
 * container runtime reads it.
 */
export async function startNetboot({ dataPath, assetsPath, extraArgs = [] }) {
  const port = await freePort();
  const args = [netbootCli, "serve", "-address", `127.0.0.1:${port}`, "-data-path", dataPath, "-assets-path", assetsPath ?? "", ...extraArgs];
  const handle = startPinned(SERVER_CPU, process.execPath, args, { stderr: "pipe" });
  handle.child.stderr.resume();
  return started(handle, port, "netboot", 300_000);
}

/** A bench-only server script from bench/servers/, pinned to the server CPU. */
export async function startScript(script, args = []) {
  const port = await freePort();
  const handle = startPinned(SERVER_CPU, process.execPath, [path.join(BENCH_DIR, "servers", script), String(port), ...args]);
  return started(handle, port, script, 30_000);
}

/** Writes the configuration of an nginx with one worker and sendfile on, serving `root` as / on `listen`, into `dir`; returns its path. */
export function nginxConfig(dir, root, listen) {
  mkdirSync(path.join(dir, "logs"), { recursive: true });
  const conf = `
daemon off;
master_process on;
worker_processes 1;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 75s;
  keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen ${listen};
    root ${root};
    location / { try_files $uri =404; }
  }
}
`;
  writeFileSync(path.join(dir, "nginx.conf"), conf);
  return path.join(dir, "nginx.conf");
}

/** nginx (one worker, sendfile on) serving `root` as /, pinned to the server CPU; `pid` is the master. */
export async function startNginx(workDir, root) {
  const port = await freePort();
  const dir = path.join(workDir, `nginx-${port}`);
  nginxConfig(dir, root, `127.0.0.1:${port}`);
  const pinned = startPinned(SERVER_CPU, "nginx", ["-p", dir, "-c", path.join(dir, "nginx.conf")], { stderr: "inherit" });
  // Its prefix folder (configuration, logs, temp files) goes with it.
  const handle = { ...pinned, stop: async () => { try { await pinned.stop(); } finally { rmSync(dir, { recursive: true, force: true }); } } };
  return started(handle, port, "nginx", 30_000);
}
