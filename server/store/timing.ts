/** How the store waits for changes to settle and retries what it could not read (milliseconds). */
export const STORE_TIMING = {
  /** A change event starts a reload once events have been quiet this long… */
  debounceMs: 100,
  /** …and at most this long after the first event, however many follow (a file rewritten non-stop must not hold back the others). */
  maxDebounceMs: 300,
  /**
   * A changed file is read once it has not changed for this long (its
   * modification time, or what two looks apart saw): a file written in place,
   * in pieces, is never read half-written. Until then its last good version is
   * served. A file renamed into place, a JSON document that parses, and an
   * explicit reload (SIGHUP, the start) do not wait.
   */
  settleMs: 300,
  /**
   * A file first seen, last changed at least this long before the load
   * began, is read in one call and stat'ed after (see FileCache): long
   * enough for the coarse clock that stamps file times, and for a file
   * server's clock a little behind this one's.
   */
  firstReadMinAgeMs: 2_000,
  /** A file still changing after this long is reported (its last good version stays in service). */
  reportChangingAfterMs: 5_000,
  /** A load that could not read everything is retried after this long, doubling… */
  retryFirstMs: 250,
  /** …up to this (always well before the poll). */
  retryMaxMs: 4_000,
  /** Loads tried at start before refusing to start over a data directory that cannot be read. */
  startAttempts: 4,
} as const;
