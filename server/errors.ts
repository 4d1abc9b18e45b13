/**
 * The catalogue of errors netboot reports. Each code knows the HTTP status a
 * machine endpoint answers with; messages name the file (and position) at fault
 * and never carry secrets.
 */
export const ERROR_STATUS = {
  /** No group matches the request's labels. */
  NB_NO_GROUP: 404,
  /** The matched group names no profile, or the profile does not exist / has no id. */
  NB_NO_PROFILE: 404,
  /** The profile has no boot section (for /ipxe and /grub). */
  NB_NO_BOOT: 404,
  /** The profile names no template for this endpoint, or the file does not exist. */
  NB_NO_TEMPLATE: 404,
  /** A Go template failed to parse or execute. */
  NB_TEMPLATE: 500,
  /** A Butane document failed to parse or translate. */
  NB_BUTANE: 500,
  /** An Ignition document failed to parse or validate. */
  NB_IGNITION: 500,
  /** A cloud-config template rendered to something that is not a cloud-config or script. */
  NB_CLOUD_CONFIG: 500,
  /** A data-directory file failed to parse or validate. */
  NB_CONFIG_FILE: 500,
  /** A request exceeded a limit. */
  NB_REQUEST_LIMIT: 400,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class NetbootError extends Error {
  readonly code: ErrorCode;
  readonly status: number;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetbootError";
    this.code = code;
    this.status = ERROR_STATUS[code];
  }
}

export function isNetbootError(err: unknown): err is NetbootError {
  return err instanceof NetbootError;
}

/** One line, safe for an HTTP body or a log message. */
export function oneLine(message: string): string {
  return message.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
