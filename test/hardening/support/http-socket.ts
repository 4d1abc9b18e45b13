import net from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * One TCP connection that sends requests exactly as written and reads the
 * answers in order, for tests about what happens on a single kept-alive socket.
 */
export class HttpSocket {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    this.closed = new Promise((resolve) => {
      socket.on("close", () => {
        this.ended = true;
        this.wake();
        resolve();
      });
    });
    socket.on("error", () => undefined);
  }

  static connect(url: string): Promise<HttpSocket> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () => resolve(new HttpSocket(socket)));
      socket.once("error", reject);
    });
  }

  get isClosed(): boolean {
    return this.ended;
  }

  write(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Reads one response; `bodyless` for answers to HEAD (whose Content-Length describes a body not sent). */
  async readResponse(options: { bodyless?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    const headEnd = await this.waitFor(() => {
      const at = this.buffered.indexOf("\r\n\r\n");
      return at === -1 ? undefined : at;
    }, deadline);
    const headText = this.buffered.subarray(0, headEnd).toString("latin1");
    const [statusLine, ...lines] = headText.split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1] ?? 0);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = options.bodyless || status === 204 || status === 304 ? 0 : Number(headers["content-length"] ?? NaN);
    if (!Number.isFinite(length)) throw new Error(`response without Content-Length: ${statusLine}`);
    const start = headEnd + 4;
    await this.waitFor(() => (this.buffered.length >= start + length ? true : undefined), deadline);
    const body = Buffer.from(this.buffered.subarray(start, start + length));
    this.buffered = this.buffered.subarray(start + length);
    return { status, headers, body };
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private async waitFor<T>(ready: () => T | undefined, deadline: number): Promise<T> {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (this.ended) throw new Error("connection closed before a complete response");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("no complete response in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
