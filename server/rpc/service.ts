import { status } from "@grpc/grpc-js";
import { compareBytes } from "../match/group.js";
import { STORE_LIMITS } from "../store/limits.js";
import type { Snapshot } from "../store/snapshot.js";
import type { DataStore } from "../store/store.js";
import type { Group } from "../store/types.js";
import type { DataFiles } from "./files.js";
import {
  answeredProfile,
  groupDocument,
  groupMessage,
  objectFile,
  profileDocument,
  YAML_EXTENSIONS,
  type GroupMessage,
  type ObjectFolder,
  type ProfileMessage,
} from "./objects.js";

/** An answer with a gRPC status other than UNKNOWN. */
export class RpcError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

/** Matchbox's answers when no group, or no profile for the group, matches the labels. */
export const NO_MATCHING_GROUP = "matchbox: No matching Group";
export const NO_MATCHING_PROFILE = "matchbox: No matching Profile";

/** The object a write names, for the audit log. */
export interface WriteResult {
  file: string;
}

const groupsByFile = new WeakMap<Snapshot, Map<string, Group>>();

function groupAt(snapshot: Snapshot, file: string): Group | undefined {
  let byFile = groupsByFile.get(snapshot);
  if (!byFile) {
    byFile = new Map(snapshot.groups.map((g) => [g.file, g]));
    groupsByFile.set(snapshot, byFile);
  }
  return byFile.get(file);
}

type TemplateFolder = "ignition" | "generic";

/**
 * Matchbox's management API over a data directory. Reads answer from the
 * snapshot the HTTP side serves (so Get, List and Select agree with what
 * machines get); writes land as files Matchbox could read back, and each
 * write returns only once a reload has picked it up.
 */
export class ManagementApi {
  constructor(
    private readonly store: DataStore,
    private readonly files: DataFiles,
  ) {}

  private async committed(reason: string): Promise<void> {
    await this.store.reload(reason);
  }

  /** The YAML file that defines the same group or profile id, if any. */
  private async yamlTwin(folder: ObjectFolder, id: string): Promise<string | undefined> {
    for (const extension of YAML_EXTENSIONS) {
      const file = objectFile(folder, id, extension);
      if (await this.files.exists(file)) return file;
    }
    return undefined;
  }

  private async putDocument(folder: "groups" | "profiles", id: string, document: { file: string; bytes: Buffer }, rpc: string): Promise<WriteResult> {
    const twin = await this.yamlTwin(folder, id);
    if (twin !== undefined) {
      throw new RpcError(status.UNKNOWN, `${twin} already defines ${JSON.stringify(id)}: the API writes only ${document.file}; remove or rename the YAML file first`);
    }
    await this.files.write(document.file, document.bytes);
    await this.committed(rpc);
    return { file: document.file };
  }

  private async deleteDocument(folder: "groups" | "profiles", id: string, rpc: string): Promise<WriteResult> {
    const file = objectFile(folder, id, ".json");
    if (!(await this.files.remove(file))) {
      const twin = await this.yamlTwin(folder, id);
      if (twin !== undefined) throw new RpcError(status.UNKNOWN, `${twin} is YAML: the API deletes only the JSON files it writes`);
      throw new RpcError(status.UNKNOWN, `cannot delete ${file}: no such file`);
    }
    await this.committed(rpc);
    return { file };
  }

  async groupPut(request: { group: GroupMessage | null }): Promise<WriteResult> {
    const document = groupDocument(request.group);
    return this.putDocument("groups", request.group!.id, document, "GroupPut");
  }

  groupGet(request: { id: string }): { group: GroupMessage } {
    const snapshot = this.store.current;
    for (const extension of [".json", ...YAML_EXTENSIONS]) {
      const group = groupAt(snapshot, objectFile("groups", request.id, extension));
      if (group) return { group: groupMessage(group) };
    }
    throw new RpcError(status.UNKNOWN, `no group ${JSON.stringify(request.id)}: no such file ${objectFile("groups", request.id, ".json")}`);
  }

  groupDelete(request: { id: string }): Promise<WriteResult> {
    return this.deleteDocument("groups", request.id, "GroupDelete");
  }

  /** Every group the server loaded (JSON and YAML files), in file-name order. */
  groupList(): { groups: GroupMessage[] } {
    const groups = [...this.store.current.groups].sort((a, b) => compareBytes(a.file, b.file));
    return { groups: groups.map(groupMessage) };
  }

  async profilePut(request: { profile: ProfileMessage | null }): Promise<WriteResult> {
    const document = profileDocument(request.profile);
    return this.putDocument("profiles", request.profile!.id, document, "ProfilePut");
  }

  profileGet(request: { id: string }): { profile: ProfileMessage } {
    const file = objectFile("profiles", request.id, ".json");
    const profile = this.store.current.findProfile(request.id);
    if (!profile) throw new RpcError(status.UNKNOWN, `no profile ${JSON.stringify(request.id)}: no such file ${file}`);
    return { profile: answeredProfile(profile) };
  }

  profileDelete(request: { id: string }): Promise<WriteResult> {
    return this.deleteDocument("profiles", request.id, "ProfileDelete");
  }

  /** Every profile file in profiles/ the server loaded, in file-name order. */
  profileList(): { profiles: ProfileMessage[] } {
    const entries = [...this.store.current.profiles.entries()]
      .filter(([file]) => file.startsWith("profiles/") && !file.slice("profiles/".length).includes("/"))
      .sort(([a], [b]) => compareBytes(a, b));
    return { profiles: entries.map(([, profile]) => answeredProfile(profile)) };
  }

  async templatePut(folder: TemplateFolder, request: { name: string; config: Buffer }): Promise<WriteResult> {
    const file = objectFile(folder, request.name);
    if (request.config.length > STORE_LIMITS.maxTemplateBytes) {
      throw new RpcError(status.UNKNOWN, `${file} would be larger than ${STORE_LIMITS.maxTemplateBytes} bytes`);
    }
    await this.files.write(file, request.config);
    await this.committed(folder === "ignition" ? "IgnitionPut" : "GenericPut");
    return { file };
  }

  /** The stored bytes, unrendered. */
  async templateGet(folder: TemplateFolder, request: { name: string }): Promise<{ config: Buffer }> {
    const file = objectFile(folder, request.name);
    const config = await this.files.read(file, STORE_LIMITS.maxTemplateBytes);
    if (config === undefined) throw new RpcError(status.UNKNOWN, `no such file ${file}`);
    return { config };
  }

  async templateDelete(folder: TemplateFolder, request: { name: string }): Promise<WriteResult> {
    const file = objectFile(folder, request.name);
    if (!(await this.files.remove(file))) throw new RpcError(status.UNKNOWN, `cannot delete ${file}: no such file`);
    await this.committed(folder === "ignition" ? "IgnitionDelete" : "GenericDelete");
    return { file };
  }

  private select(labels: Record<string, string>): { snapshot: Snapshot; group: Group } {
    const snapshot = this.store.current;
    // Labels are matched as given: unlike the HTTP query, a `mac` label is not parsed.
    const group = snapshot.index.select(new Map(Object.entries(labels)));
    if (!group) throw new RpcError(status.NOT_FOUND, NO_MATCHING_GROUP);
    return { snapshot, group };
  }

  selectGroup(request: { labels: Record<string, string> }): { group: GroupMessage } {
    return { group: groupMessage(this.select(request.labels).group) };
  }

  selectProfile(request: { labels: Record<string, string> }): { profile: ProfileMessage } {
    const { snapshot, group } = this.select(request.labels);
    const profile = group.profile === "" ? undefined : snapshot.profileFor(group.profile);
    if (!profile) throw new RpcError(status.NOT_FOUND, NO_MATCHING_PROFILE);
    return { profile: answeredProfile(profile) };
  }
}
