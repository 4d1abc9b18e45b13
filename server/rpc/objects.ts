/**
 * The gRPC API's objects, pure: validating what a client sends, naming the
 * file it lands in, encoding it the way Matchbox writes it (Go's
 * json.MarshalIndent with tabs), and turning what the store loaded back into
 * messages.
 */
import path from "node:path";
import { isMacKey, parseMac } from "../match/mac.js";
import { parseGoJson, JsonSyntaxError, type JsonNode } from "../render/ignition/go-json.js";
import { decodeGroup, decodeProfile } from "../store/decode.js";
import { DocumentError, parseDocument } from "../store/document.js";
import { STORE_LIMITS } from "../store/limits.js";
import type { Group, JsonObject, JsonValue, Profile } from "../store/types.js";
import { GoStruct, goMarshal, type GoValue } from "./go-json.js";

/** storagepb.Group as the proto loader gives and takes it. */
export interface GroupMessage {
  id: string;
  name: string;
  profile: string;
  selector: Record<string, string>;
  /** JSON object bytes; empty when the group has no metadata. */
  metadata: Buffer;
}

export interface NetBootMessage {
  kernel: string;
  initrd: string[];
  args: string[];
}

/** storagepb.Profile; `boot` is null when the message has none. */
export interface ProfileMessage {
  id: string;
  name: string;
  ignition_id: string;
  cloud_id: string;
  boot: NetBootMessage | null;
  generic_id: string;
}

/** A request the API refuses: the message says what is wrong with it. */
export class InvalidRequest extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidRequest";
  }
}

export type ObjectFolder = "groups" | "profiles" | "ignition" | "generic";

/** Extensions the store also reads groups and profiles from, besides the `.json` the API writes. */
export const YAML_EXTENSIONS = [".yaml", ".yml"] as const;

/**
 * The data-relative file of object `name` in `folder` (with `extension`
 * appended). A name is cleaned the way Matchbox cleans it, but one that would
 * leave its folder (`../x`), name a folder or contain NUL is refused; groups
 * and profiles must sit directly in their folder, where the server lists them.
 */
export function objectFile(folder: ObjectFolder, name: string, extension = ""): string {
  const what = folder === "groups" ? "group id" : folder === "profiles" ? "profile id" : `${folder} name`;
  if (name === "") throw new InvalidRequest(`${what} is required`);
  if (name.includes("\0")) throw new InvalidRequest(`${what} ${JSON.stringify(name)} contains NUL`);
  const withinFolder = path.posix.normalize("/" + name + extension);
  if (withinFolder.endsWith("/")) throw new InvalidRequest(`${what} ${JSON.stringify(name)} names a folder, not a file`);
  const withinData = path.posix.normalize("/" + folder + "/" + name + extension);
  if (withinData !== "/" + folder + withinFolder) throw new InvalidRequest(`${what} ${JSON.stringify(name)} leaves the ${folder}/ folder`);
  const relative = withinData.slice(1);
  const base = path.posix.basename(relative);
  if ((folder === "groups" || folder === "profiles") && base.startsWith("..")) {
    throw new InvalidRequest(`${what} ${JSON.stringify(name)}: names starting with ".." are skipped by the server`);
  }
  if ((folder === "groups" || folder === "profiles") && path.posix.dirname(relative) !== folder) {
    throw new InvalidRequest(`${what} ${JSON.stringify(name)} names a sub-folder: the server lists ${folder} only in ${folder}/`);
  }
  return relative;
}

/** A JSON value from Go's decoder into interface{}: objects as maps (last duplicate wins), numbers as float64. */
function nodeValue(node: JsonNode): JsonValue {
  switch (node.k) {
    case "obj": {
      const object: JsonObject = Object.create(null) as JsonObject;
      for (const [key, member] of node.members) object[key] = nodeValue(member);
      return object;
    }
    case "arr":
      return node.items.map(nodeValue);
    case "str":
      return node.v;
    case "num": {
      const value = Number(node.raw);
      if (!Number.isFinite(value)) throw new InvalidRequest(`metadata: number ${node.raw} is out of range`);
      return value;
    }
    case "bool":
      return node.v;
    case "null":
      return null;
  }
}

/**
 * Group metadata bytes decoded as Matchbox decodes them (into a Go
 * map[string]interface{}): no bytes or `null` is no metadata; anything but a
 * JSON object is refused.
 */
export function decodeMetadata(bytes: Buffer): JsonObject | null {
  if (bytes.length === 0) return null;
  let root: JsonNode;
  try {
    root = parseGoJson(bytes.toString("utf8"));
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new InvalidRequest(`metadata is not JSON: ${err.message}`);
    throw err;
  }
  if (root.k === "null") return null;
  if (root.k !== "obj") {
    const kind = { arr: "an array", str: "a string", num: "a number", bool: "a boolean" }[root.k];
    throw new InvalidRequest(`metadata must be a JSON object, not ${kind}`);
  }
  return nodeValue(root) as JsonObject;
}

/** Metadata as Matchbox puts it in a Group message: compact Go JSON, keys sorted; no bytes for none. */
export function encodeMetadata(metadata: JsonObject | null): Buffer {
  return metadata === null ? Buffer.alloc(0) : Buffer.from(goMarshal(metadata), "utf8");
}

function hasEntries(map: Record<string, unknown>): boolean {
  for (const _ in map) return true;
  return false;
}

/** Struct fields with Go's `omitempty`: empty strings, maps and slices, and nil pointers are left out. */
function omitEmpty(fields: Array<readonly [string, GoValue | undefined]>): GoStruct {
  const kept = fields.filter(([, value]) => {
    if (value === undefined || value === null || value === "") return false;
    if (Array.isArray(value)) return value.length > 0;
    if (typeof value === "object" && !(value instanceof GoStruct)) return hasEntries(value as Record<string, unknown>);
    return true;
  });
  return new GoStruct(kept as Array<readonly [string, GoValue]>);
}

/** Refuses a document the server would not load, so the API never writes a file the HTTP side rejects. */
function checkLoadable<T>(relative: string, text: string, decode: (document: unknown, file: string) => T): void {
  if (Buffer.byteLength(text) > STORE_LIMITS.maxDocumentBytes) {
    throw new InvalidRequest(`${relative} would be larger than ${STORE_LIMITS.maxDocumentBytes} bytes`);
  }
  try {
    decode(parseDocument(text, "json"), relative);
  } catch (err) {
    if (err instanceof DocumentError) throw new InvalidRequest(`${relative}${err.pointer ? ` ${err.pointer}` : ""}: ${err.message}`);
    throw err;
  }
}

/**
 * GroupPut's file: `groups/<id>.json` holding Go's MarshalIndent of Matchbox's
 * RichGroup (id, name, profile, selector, metadata; empty ones left out;
 * metadata as a nested object), tab-indented, no trailing newline. Selectors
 * are stored as sent; a MAC selector that does not parse is refused, since the
 * server would skip the whole group.
 */
export function groupDocument(group: GroupMessage | null): { file: string; bytes: Buffer } {
  if (!group || group.id === "") throw new InvalidRequest("Id is required");
  if (group.profile === "") throw new InvalidRequest("Group requires a Profile");
  const file = objectFile("groups", group.id, ".json");
  for (const [key, value] of Object.entries(group.selector)) {
    if (isMacKey(key) && parseMac(value) === undefined) throw new InvalidRequest(`selector ${key}: address ${value}: invalid MAC address`);
  }
  const text = groupJson(group);
  checkLoadable(file, text, decodeGroup);
  return { file, bytes: Buffer.from(text, "utf8") };
}

/** A group as Matchbox writes its file (metadata must decode). */
export function groupJson(group: GroupMessage): string {
  const metadata = decodeMetadata(group.metadata);
  return goMarshal(
    omitEmpty([
      ["id", group.id],
      ["name", group.name],
      ["profile", group.profile],
      ["selector", group.selector],
      ["metadata", metadata ?? undefined],
    ]),
    "\t",
  );
}

/**
 * ProfilePut's file: `profiles/<id>.json`, Go's MarshalIndent of Matchbox's
 * Profile (id, name, ignition_id, cloud_id, boot{kernel, initrd, args},
 * generic_id; empty ones left out, a boot without fields written as `{}`).
 */
export function profileDocument(profile: ProfileMessage | null): { file: string; bytes: Buffer } {
  if (!profile || profile.id === "") throw new InvalidRequest("Id is required");
  const file = objectFile("profiles", profile.id, ".json");
  const text = profileJson(profile);
  checkLoadable(file, text, decodeProfile);
  return { file, bytes: Buffer.from(text, "utf8") };
}

/** A profile as Matchbox writes its file. */
export function profileJson(profile: ProfileMessage): string {
  const boot = profile.boot
    ? omitEmpty([
        ["kernel", profile.boot.kernel],
        ["initrd", profile.boot.initrd],
        ["args", profile.boot.args],
      ])
    : undefined;
  return goMarshal(
    omitEmpty([
      ["id", profile.id],
      ["name", profile.name],
      ["ignition_id", profile.ignition_id],
      ["cloud_id", profile.cloud_id],
      ["boot", boot],
      ["generic_id", profile.generic_id],
    ]),
    "\t",
  );
}

/** A loaded group as Matchbox returns it: selector MACs normalised, metadata as compact JSON. */
export function groupMessage(group: Group): GroupMessage {
  return {
    id: group.id,
    name: group.name,
    profile: group.profile,
    selector: { ...group.selector },
    metadata: encodeMetadata(group.metadata),
  };
}

/** A loaded profile as a message (boot null when it has none). */
export function profileMessage(profile: Profile): ProfileMessage {
  return {
    id: profile.id,
    name: profile.name,
    ignition_id: profile.ignitionId,
    cloud_id: profile.cloudId,
    boot: profile.boot ? { kernel: profile.boot.kernel, initrd: [...profile.boot.initrd], args: [...profile.boot.args] } : null,
    generic_id: profile.genericId,
  };
}

/**
 * A profile as the API answers it: one without `boot` gets an empty one.
 * Matchbox answers none, and clients that read `boot.kernel`
 * (terraform-provider-matchbox) crash on that.
 */
export function answeredProfile(profile: Profile): ProfileMessage {
  const message = profileMessage(profile);
  return { ...message, boot: message.boot ?? { kernel: "", initrd: [], args: [] } };
}
