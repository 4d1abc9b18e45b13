/** Requests from the command line to a running server's views (/machines, /explain) and its write API. */
import { UsageError } from "../config/flags.js";

/** `--server` plus a view's path; a usage error when `--server` is not an http(s) URL. */
export function viewUrl(server: string, pathname: string): URL {
  const url = URL.parse(pathname, server);
  if (url?.protocol !== "http:" && url?.protocol !== "https:") throw new UsageError(`--server "${server}" is not an http:// or https:// URL (e.g. http://127.0.0.1:8080)`);
  return url;
}

/** The network-level reason a fetch failed: `connect ECONNREFUSED 127.0.0.1:8080`, a timeout, ... */
function failureReason(err: unknown): string {
  if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) return "no answer in time";
  let cause = (err as { cause?: unknown }).cause ?? err;
  // Several addresses for one name: each attempt failed; the first says why.
  if (cause instanceof AggregateError && cause.errors.length > 0) cause = cause.errors[0];
  const { code, message } = cause as { code?: string; message?: string };
  if (message && code && message.includes(code)) return message;
  return [code, message].filter(Boolean).join(": ") || String(cause);
}

/**
 * A request to the server's views (GET) or write API. A server that cannot be reached is an error that
 * names the URL, the reason, and how to point the command at another server.
 */
export async function getView(url: URL, timeoutMs: number, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(
      `cannot reach ${url.origin}${url.pathname}: ${failureReason(err)}. ` +
        `Is \`netboot serve\` running there? Name another server with --server URL (its -address, or its -debug-address when the views are there).`,
      { cause: err },
    );
  }
}

/** Why a view answered 404 with something other than its own JSON: the views are elsewhere or off. */
export const VIEWS_ELSEWHERE = "the server serves its views (/explain, /machines, /metrics) on its -debug-address, or not at all (-debug-address=off)";
