import { constants } from "node:fs";

/**
 * How data and asset files are opened: read-only; non-blocking, so a FIFO
 * left where a file should be opens (and reads) as empty instead of waiting
 * for a writer; and never as the process's controlling terminal, should a
 * path lead to a terminal device (the server may be a container's PID 1, a
 * session leader without one).
 */
export const READ_ONLY_NO_WAIT = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
