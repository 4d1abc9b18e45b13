/**
 * URL checks Ignition applies to `source` fields: Go's net/url parsing rules
 * that matter for configs (control characters, scheme syntax, escapes) and
 * the schemes Ignition can fetch from.
 */
import { DataUrlError, decodeDataUrl } from "./data-url.js";

export interface ParsedUrl {
  scheme: string;
  opaque: boolean;
  query: string;
}

/** Go's url.Parse, reduced to what Ignition looks at; returns an error message or the parts. */
export function parseGoUrl(raw: string): ParsedUrl | string {
  if (/[\x00-\x1f\x7f]/.test(raw)) return "net/url: invalid control character in URL";
  let rest = raw;
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let scheme = "";
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (rest.startsWith(":")) return "missing protocol scheme";
  if (schemeMatch) {
    scheme = schemeMatch[1]!.toLowerCase();
    rest = rest.slice(schemeMatch[0].length);
  }
  let query = "";
  const q = rest.indexOf("?");
  if (q >= 0) {
    query = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }
  const opaque = scheme !== "" && !rest.startsWith("/");
  if (!opaque) {
    if (rest.startsWith("//")) {
      const slash = rest.indexOf("/", 2);
      const authority = slash >= 0 ? rest.slice(2, slash) : rest.slice(2);
      const at = authority.lastIndexOf("@");
      if (at >= 0 && !/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(authority.slice(0, at))) return "net/url: invalid userinfo";
      const hostPort = authority.slice(at + 1);
      const port = /^(\[[^\]]*\]|[^:]*)(:(.*))?$/.exec(hostPort);
      if (port?.[3] !== undefined && !/^[0-9]*$/.test(port[3])) return `invalid port ":${port[3]}" after host`;
      const host = port?.[1] ?? hostPort;
      if (/%(?![0-9A-Fa-f]{2})/.test(host)) return "invalid URL escape";
      // Go's host rules: ASCII outside this set must not appear, and %-escapes may only encode non-ASCII bytes or '%'.
      if (/[\x00-\x7f]/.test(host.replace(/[A-Za-z0-9\-_.~!$&'()*+,;=:[\]<>"]|%[0-9A-Fa-f]{2}/g, ""))) return "invalid character in host name";
      for (const m of host.matchAll(/%([0-9A-Fa-f]{2})/g)) {
        if (parseInt(m[1]!, 16) < 0x80 && m[1] !== "25") return "invalid URL escape";
      }
    } else if (scheme === "" && /^[^/]*:/.test(rest)) {
      return "first path segment in URL cannot contain colon";
    }
    if (/%(?![0-9A-Fa-f]{2})/.test(rest)) return "invalid URL escape";
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(fragment)) return "invalid URL escape";
  return { scheme, opaque, query };
}

/**
 * Ignition's validateURL for spec 3.{minor}: an error message, or undefined
 * when the URL is acceptable. gs: arrived in 3.2, arn: in 3.4.
 */
export function checkSourceUrl(raw: string, minor: number): string | undefined {
  const parsed = parseGoUrl(raw);
  if (typeof parsed === "string") return `unable to parse url: ${parsed}`;
  switch (parsed.scheme) {
    case "http":
    case "https":
    case "tftp":
      return undefined;
    case "gs":
      return minor >= 2 ? undefined : "invalid url scheme";
    case "s3":
      return badVersionId(parsed.query);
    case "arn":
      return minor >= 4 ? checkS3Arn(raw, parsed.query) : "invalid url scheme";
    case "data":
      try {
        decodeDataUrl(raw);
        return undefined;
      } catch (err) {
        if (err instanceof DataUrlError) return err.message;
        throw err;
      }
    default:
      return "invalid url scheme";
  }
}

function badVersionId(query: string): string | undefined {
  for (const pair of query.split(/[&;]/)) {
    const [key, value] = pair.split("=", 2);
    if (key === "versionId" && (value === undefined || value === "")) return "invalid S3 object version ID";
  }
  return undefined;
}

function checkS3Arn(raw: string, query: string): string | undefined {
  const withoutQuery = raw.split(/[?#]/, 1)[0]!;
  const parts = withoutQuery.split(":");
  if (parts.length < 6 || parts[0] !== "arn" || parts[2] !== "s3") return "invalid S3 ARN format";
  const resource = parts.slice(5).join(":");
  const slashes = withoutQuery.split("/").length;
  if (resource.startsWith("accesspoint/") ? slashes < 3 : slashes < 2) return "invalid S3 ARN format";
  return badVersionId(query);
}
