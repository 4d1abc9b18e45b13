import net from "node:net";

/**
 * Starts a GET of a large body, reads until `atLeast` bytes of it have arrived,
 * then drops the connection: a download the client gave up on.
 */
export function abortedDownload(url: string, target: string, atLeast: number, timeoutMs = 5000): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let received = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`fewer than ${atLeast} bytes within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received >= atLeast) {
        clearTimeout(timer);
        socket.destroy();
        resolve(received);
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: test\r\nUser-Agent: iPXE/1.21.1\r\n\r\n`);
  });
}

/** Polls `check` every 20 ms until it returns a value, for at most `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
