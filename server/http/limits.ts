/** What one HTTP request or connection may cost the server. */
export const HTTP_LIMITS = {
  /** Request bodies are never used; anything larger is refused. */
  maxBodyBytes: 64 * 1024,
  /** Longest path plus query string accepted. */
  maxUrlBytes: 8 * 1024,
  /** Request line plus headers. */
  maxHeaderBytes: 16 * 1024,
  /** Most query parameters accepted in one request. */
  maxQueryParameters: 256,
  /** Time allowed for a client to send its request headers (slow-loris). */
  headersTimeoutMs: 20_000,
  /** Time allowed for a whole request to arrive. */
  requestTimeoutMs: 60_000,
  /**
   * Idle time a kept-alive connection stays open: long enough for UEFI
   * firmware's HEAD then GET, and iPXE's fetches of kernel then initrd.
   */
  keepAliveTimeoutMs: 75_000,
} as const;
