import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ServeConfig } from "../../server/config/serve-config.js";
import { writeFiles } from "../support/data-dir.js";
import { startTestServer, type TestServer } from "../support/server.js";

/** A throw-away data directory with its (empty) assets folder. */
export function makeRoot(files: Record<string, string | Buffer>): { dataDir: string; assetsDir: string; remove(): void } {
  const dataDir = mkdtempSync(path.join(tmpdir(), "netboot-images-"));
  writeFiles(dataDir, files);
  mkdirSync(path.join(dataDir, "assets"), { recursive: true });
  return { dataDir, assetsDir: path.join(dataDir, "assets"), remove: () => rmSync(dataDir, { recursive: true, force: true }) };
}

/** netboot serving an existing data directory (and its assets folder) on a loopback port. */
export function startImageServer(dataDir: string, config: Partial<ServeConfig> = {}): Promise<TestServer> {
  return startTestServer({ dataDir, config: { shutdownGraceMs: 200, ...config } });
}
