import type { Readable } from "node:stream";
import type { Agent, Dispatcher } from "undici";

/** Bounds of every upstream transfer. */
export const UPSTREAM_LIMITS = {
  /** TCP (and TLS) connection set-up. */
  connectTimeoutMs: 15_000,
  /** From the request to the response headers. */
  headersTimeoutMs: 30_000,
  /** Longest silence while the body arrives. */
  idleTimeoutMs: 60_000,
  /** One whole transfer (a 1 GiB root filesystem at 2.5 MB/s). */
  totalTimeoutMs: 2 * 60 * 60_000,
  maxRedirects: 5,
  /** Largest file fetched when its declaration gives no size. */
  maxFileBytes: 16 * 2 ** 30,
  /** Largest metadata document, signature or checksum list. */
  maxDocumentBytes: 32 * 2 ** 20,
} as const;

/** An upstream that could not give the file: the status to answer (502, or 504 for a timeout) and a one-line reason. */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly status: 502 | 504 = 502,
  ) {
    super(message);
    this.name = "UpstreamError";
  }
}

/** The HTTP client is loaded at the first transfer: a server that never fetches does not pay for it at start. */
let undiciModule: Promise<typeof import("./http-client.js")> | undefined;
const loadUndici = () => (undiciModule ??= import("./http-client.js"));

let sharedAgent: Agent | undefined;
async function agent(): Promise<Agent> {
  const { Agent } = await loadUndici();
  sharedAgent ??= new Agent({
    connect: { timeout: UPSTREAM_LIMITS.connectTimeoutMs },
    headersTimeout: UPSTREAM_LIMITS.headersTimeoutMs,
    bodyTimeout: UPSTREAM_LIMITS.idleTimeoutMs,
    keepAliveTimeout: 4_000,
  });
  return sharedAgent;
}

/**
 * Whether a redirect may be followed: to https always; to plain http only
 * within the origin the transfer started at. An https source is never
 * downgraded, and an http one is never sent to another plain-http host.
 */
export function redirectAllowed(start: URL, target: URL): string | undefined {
  if (target.username || target.password) return "a redirect to a URL with credentials";
  if (target.protocol === "https:") return undefined;
  if (target.protocol === "http:" && target.origin === start.origin) return undefined;
  return `a redirect to ${target.protocol}//${target.host} (only https, or the same origin, is followed)`;
}

const TIMEOUT_CODES = new Set(["UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** An error of a transfer as the status to answer and a reason. */
export function upstreamFailure(err: unknown, url: string): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code;
  if ((code && TIMEOUT_CODES.has(code)) || e?.name === "TimeoutError") return new UpstreamError(`upstream ${url} timed out (${code ?? "total time"})`, 504);
  return new UpstreamError(`upstream ${url} failed: ${code ? `${code} ` : ""}${e?.cause?.message ?? e?.message ?? String(err)}`.trim());
}

export interface UpstreamResponse {
  /** The URL that answered, after redirects. */
  url: string;
  /** Content-Length, when the upstream sent one. */
  length: number | undefined;
  body: Readable;
}

/**
 * GETs (or HEADs) a URL, following at most a few redirects under `redirectAllowed`;
 * anything but a 200 is an UpstreamError. The caller reads (or dumps) the body.
 */
export async function openUpstream(url: string, signal?: AbortSignal, method: "GET" | "HEAD" = "GET", through?: Dispatcher): Promise<UpstreamResponse> {
  const { request } = await loadUndici();
  const dispatcher = through ?? (await agent());
  const start = new URL(url);
  let current = start;
  const total = AbortSignal.timeout(UPSTREAM_LIMITS.totalTimeoutMs);
  const combined = signal ? AbortSignal.any([signal, total]) : total;
  for (let hop = 0; ; hop++) {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(current, { method, dispatcher, signal: combined, headers: { "user-agent": "netboot" } });
    } catch (err) {
      throw upstreamFailure(err, current.href);
    }
    const { statusCode, headers, body } = response;
    if (statusCode >= 300 && statusCode < 400 && headers.location !== undefined) {
      body.dump().catch(() => undefined);
      if (hop >= UPSTREAM_LIMITS.maxRedirects) throw new UpstreamError(`upstream ${url}: more than ${UPSTREAM_LIMITS.maxRedirects} redirects`);
      const location = Array.isArray(headers.location) ? headers.location[0]! : headers.location;
      let target: URL;
      try {
        target = new URL(location, current);
      } catch {
        throw new UpstreamError(`upstream ${current.href} redirected to an invalid URL`);
      }
      const refused = redirectAllowed(start, target);
      if (refused) throw new UpstreamError(`upstream ${current.href}: refused ${refused}`);
      current = target;
      continue;
    }
    if (statusCode !== 200) {
      body.dump().catch(() => undefined);
      throw new UpstreamError(`upstream ${current.href} answered ${statusCode}`);
    }
    const lengthHeader = headers["content-length"];
    const length = typeof lengthHeader === "string" && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    return { url: current.href, length, body };
  }
}

/** A small upstream document (metadata, a signature, a checksum list), whole, bounded in size. */
export async function fetchDocument(url: string, maxBytes: number = UPSTREAM_LIMITS.maxDocumentBytes, signal?: AbortSignal): Promise<Buffer> {
  const response = await openUpstream(url, signal);
  if (response.length !== undefined && response.length > maxBytes) {
    response.body.destroy();
    throw new UpstreamError(`upstream ${response.url} is larger than ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        response.body.destroy();
        throw new UpstreamError(`upstream ${response.url} is larger than ${maxBytes} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw upstreamFailure(err, response.url);
  }
  return Buffer.concat(chunks);
}
