import net from "node:net";

/**
 * Sends bytes exactly as given (no URL normalisation, unlike an HTTP client
 * library) and returns the raw response text, for hostile-path tests.
 */
export function rawRequest(url: string, requestText: string, timeoutMs = 5000): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    const answer = () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const split = text.indexOf("\r\n\r\n");
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      return { status, head, body: split === -1 ? "" : text.slice(split + 4) };
    };
    socket.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // A server that answers before reading the whole request (431, 413) and then
      // closes resets the connection (Node 26 does): the answer that came first counts.
      if (err.code === "ECONNRESET" && answer().status !== 0) resolve(answer());
      else reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(answer());
    });
    socket.write(requestText);
  });
}

/** A one-shot GET of a raw request target, closing the connection after the answer. */
export function rawGet(url: string, target: string): Promise<{ status: number; head: string; body: string }> {
  return rawRequest(url, `GET ${target} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
}
