import { destination as pinoDestination, pino, type DestinationStream, type Logger } from "pino";
import type { LogLevel } from "../config/serve-config.js";
import { turnEndBatch } from "../util/turn-end.js";

/** pino's ISO time field, formatted once per millisecond (a busy server writes many lines in one). */
function isoTimeField(): () => string {
  let lastMs = -1;
  let field = "";
  return () => {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      field = `,"time":"${new Date(now).toISOString()}"`;
    }
    return field;
  };
}

/**
 * Standard error, with the lines logged in one turn of the event loop written
 * together at its end: one write for many request lines when the server is
 * busy, none held back when it is idle, and whatever is pending written when
 * the process exits. The writes are pino's own synchronous destination.
 */
function batchedStderr(): DestinationStream {
  const sink = pinoDestination({ fd: 2, sync: true });
  const lines = turnEndBatch<string>((pending) => sink.write(pending.join("")));
  process.on("exit", lines.flush);
  return { write: lines.add };
}

/** JSON logs on stderr, one object a line; secrets are redacted wherever they might appear. */
export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: "netboot" },
      timestamp: isoTimeField(),
      // Exact paths only: wildcard redaction costs a fifth of a request's CPU.
      redact: { paths: ["privateKey", "presharedKey", "req.headers.authorization"], censor: "[redacted]" },
    },
    (destination as DestinationStream | undefined) ?? batchedStderr(),
  );
}
