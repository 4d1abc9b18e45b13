import { readFileSync } from "node:fs";
import type { Command } from "./command.js";
import { FlagError, flagUsage, UsageError } from "../config/flags.js";
import { parseServeConfig, SERVE_FLAGS, type ServeConfig } from "../config/serve-config.js";
import { NETBOOT_VERSION } from "../version.js";
import { startServer, type RunningServer } from "../http/server.js";
import { onStopSignals } from "../util/signals.js";
import { createLogger } from "../observe/logger.js";

const USAGE = `Usage: netboot serve [flags]    (also: netboot [flags])

Serves a Matchbox data directory: /boot.ipxe, /ipxe, /grub, /ignition,
/generic, /cloud, /metadata and /assets/. Flags take one or two dashes and a
value after '=' or a space; each can also be set with its MATCHBOX_*
environment variable, which applies when the flag is not given.

Flags:
${flagUsage(SERVE_FLAGS)}
`;

export const serveCommand: Command = {
  async run(argv) {
    let config: ServeConfig;
    try {
      const request = parseServeConfig(argv, process.env);
      if (request.kind === "help") {
        process.stdout.write(USAGE);
        return 0;
      }
      if (request.kind === "version") {
        process.stdout.write(`${NETBOOT_VERSION}\n`);
        return 0;
      }
      config = request.config;
    } catch (err) {
      if (err instanceof UsageError) {
        // A command line that does not parse gets the usage too; a wrong value only its reason.
        process.stderr.write(`netboot: ${err.message}\n${err instanceof FlagError ? `\n${USAGE}` : ""}`);
        return 1;
      }
      throw err;
    }

    const logger = createLogger(config.logLevel);
    for (const feature of config.unsupported) logger.warn(`netboot does not serve ${feature}`);
    const https = config.tls ? { key: readFileSync(config.tls.keyFile), cert: readFileSync(config.tls.certFile) } : undefined;

    let server: RunningServer | undefined;
    const shutdown = (signal: string) => {
      logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down: no new connections, finishing requests");
      const stop = server ? server.close(config.shutdownGraceMs) : Promise.resolve();
      void stop.then(() => {
        logger.info("stopped");
        logger.flush();
        process.exit(0);
      });
    };
    onStopSignals(shutdown, (signal) => {
      logger.warn({ signal }, "stopping at once: a second signal while finishing requests");
      logger.flush();
      process.exit(1);
    });
    process.on("SIGHUP", () => void server?.store.reload("SIGHUP"));
    server = await startServer(config, logger, https);
    // Keep running: the listening socket holds the event loop open.
    return new Promise<number>(() => undefined);
  },
};
