import { readFileSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/**
 * Descriptors kept out of the connections' reach: standard streams, the event
 * loop's own, the listeners, the debug listener's connections, the data
 * directory's reads and watches.
 */
const RESERVED_DESCRIPTORS = 128;
/** No boot network needs more at once; each connection costs memory too. */
const MOST_CONNECTIONS = 4096;
const FEWEST_CONNECTIONS = 8;
/** Connections the separate views listener (-debug-address) accepts at once. */
export const DEBUG_MAX_CONNECTIONS = 16;

/** The soft open-files limit (RLIMIT_NOFILE) of this process, from /proc/self/limits (Linux); undefined elsewhere. */
export function openFilesLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const soft = /^Max open files\s+(\d+|unlimited)\s/m.exec(text)?.[1];
  if (soft === undefined) return undefined;
  return soft === "unlimited" ? Number.POSITIVE_INFINITY : Number(soft);
}

/**
 * Connections allowed at once under an open-files limit: each may hold two
 * descriptors (its socket, and the file of an asset it downloads), after a
 * reserve for everything else. Without a known limit, the common default of
 * 1024 is assumed.
 */
export function defaultMaxConnections(limit = openFilesLimit() ?? 1024): number {
  return Math.max(FEWEST_CONNECTIONS, Math.min(MOST_CONNECTIONS, Math.floor((limit - RESERVED_DESCRIPTORS) / 2)));
}

/** What was done to stay within the limit: an idle connection closed, a connection of the client holding the most closed, or a new one refused. */
export type ShedAction = "closed-idle" | "closed-busiest" | "refused";

interface Connection {
  socket: Socket;
  address: string;
  /** Requests read and not yet answered. */
  requests: number;
}

/** The TCP socket under a request's socket (a TLS socket wraps one). */
function tcpSocketOf(socket: Socket): Socket {
  return (socket as Socket & { _parent?: Socket })._parent ?? socket;
}

/**
 * Keeps a server's open connections, and so its descriptors, at most `limit`.
 * A connection is idle from when it opens until its first request has been
 * read, and again between requests (kept alive, or sending headers slowly).
 * When a new connection comes while `limit` are open, the connection idle the
 * longest is closed for it; when none is idle, the oldest connection of the
 * client address holding the most is closed, if that client holds more than
 * the new one's would after it; else the new connection is refused. So idle
 * sockets never lock clients out, and no one address can take every slot.
 */
export class ConnectionGuard {
  private readonly open = new Map<Socket, Connection>();
  /** In the order they became idle: the first has been idle the longest. */
  private readonly idle = new Set<Connection>();
  /** Per client address, oldest first. */
  private readonly byAddress = new Map<string, Set<Connection>>();

  constructor(
    readonly limit: number,
    private readonly onShed: (action: ShedAction, address: string) => void = () => undefined,
  ) {}

  get openConnections(): number {
    return this.open.size;
  }

  /** Starts counting a server's connections (plain HTTP or HTTPS: both emit "connection" with the TCP socket). */
  watch(server: Server): void {
    server.on("connection", (socket: Socket) => this.admit(socket));
    // Before the app's handler, so that the connection is busy while the request is answered.
    server.prependListener("request", (request: IncomingMessage, response: ServerResponse) => {
      const connection = this.open.get(tcpSocketOf(request.socket));
      if (!connection) return;
      connection.requests++;
      this.idle.delete(connection);
      response.once("close", () => {
        connection.requests--;
        if (connection.requests === 0 && this.open.has(connection.socket)) this.idle.add(connection);
      });
    });
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress ?? "";
    if (this.open.size >= this.limit && !this.makeRoom(address)) {
      this.onShed("refused", address);
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, address, requests: 0 };
    this.open.set(socket, connection);
    this.idle.add(connection);
    let mine = this.byAddress.get(address);
    if (!mine) this.byAddress.set(address, (mine = new Set()));
    mine.add(connection);
    socket.once("close", () => this.forget(connection));
  }

  /** Closes one connection for a new one from `address`; false when none may be closed. */
  private makeRoom(address: string): boolean {
    const longestIdle = this.idle.values().next().value;
    if (longestIdle) {
      this.close(longestIdle, "closed-idle");
      return true;
    }
    let busiest: Set<Connection> | undefined;
    for (const connections of this.byAddress.values()) if (!busiest || connections.size > busiest.size) busiest = connections;
    const oldest = busiest?.values().next().value;
    const newcomerHolds = (this.byAddress.get(address)?.size ?? 0) + 1;
    if (!busiest || !oldest || busiest.size <= newcomerHolds) return false;
    this.close(oldest, "closed-busiest");
    return true;
  }

  private close(connection: Connection, action: ShedAction): void {
    this.forget(connection);
    this.onShed(action, connection.address);
    connection.socket.destroy();
  }

  /** Stops counting a connection; its descriptor is released by destroy() at once, before "close" is emitted. */
  private forget(connection: Connection): void {
    if (!this.open.delete(connection.socket)) return;
    this.idle.delete(connection);
    const mine = this.byAddress.get(connection.address);
    mine?.delete(connection);
    if (mine?.size === 0) this.byAddress.delete(connection.address);
  }
}
