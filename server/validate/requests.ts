import { bootTexts } from "../store/fields.js";
import type { Profile, TemplateKind } from "../store/types.js";
import { percentDecode } from "../util/percent.js";

/**
 * The requests a booted machine makes for its templates. Matchbox's iPXE
 * bootstrap only chains to /ipxe; /ignition, /generic, /metadata and /cloud are
 * fetched by the booted OS from the URLs the profile hands it in its kernel
 * arguments (`ignition.config.url=http://…/ignition?mac=${mac:hexhyp}&hostname=${hostname}`).
 * Those URLs say which labels each such request carries.
 */

/** One URL of a profile that points at a template endpoint. */
export interface ProfileRequest {
  /** `/ignition`, `/generic`, `/metadata` or `/cloud`. */
  endpoint: string;
  /** Where the URL is in the profile, e.g. `/boot/args/2`. */
  pointer: string;
  /** Labels in query order; the value is undefined where iPXE fills it in (`${hostname}`). */
  labels: [string, string | undefined][];
}

const ENDPOINTS = new Set(["/ignition", "/generic", "/metadata", "/cloud"]);
const URL_PATTERN = /[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi;

export const ENDPOINT_OF_KIND: Record<TemplateKind, string> = { ignition: "/ignition", generic: "/generic", cloud: "/cloud" };

/** Query pairs as Go's url.ParseQuery reads them (pairs with `;` dropped), keys decoded, values kept raw for iPXE variables. */
function queryLabels(rawQuery: string): [string, string | undefined][] {
  const labels: [string, string | undefined][] = [];
  for (const pair of rawQuery.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = percentDecode(eq === -1 ? pair : pair.slice(0, eq), true);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    if (key === undefined || labels.some(([k]) => k === key)) continue;
    labels.push([key, rawValue.includes("${") ? undefined : (percentDecode(rawValue, true) ?? rawValue)]);
  }
  return labels;
}

/** The URLs in a profile's kernel, initrds and arguments that point at a template endpoint. */
export function profileRequests(profile: Profile): ProfileRequest[] {
  if (!profile.boot) return [];
  const requests: ProfileRequest[] = [];
  for (const { pointer, text } of bootTexts(profile.boot)) {
    for (const [url] of text.matchAll(URL_PATTERN)) {
      const withoutFragment = url.split("#")[0]!;
      const q = withoutFragment.indexOf("?");
      const path = (q === -1 ? withoutFragment : withoutFragment.slice(0, q)).replace(/^[^:]+:\/\/[^/]*/, "");
      const endpoint = path.slice(path.lastIndexOf("/"));
      if (!ENDPOINTS.has(endpoint)) continue;
      requests.push({ endpoint, pointer, labels: q === -1 ? [] : queryLabels(withoutFragment.slice(q + 1)) });
    }
  }
  return requests;
}
