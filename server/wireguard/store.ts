/**
 * Where `peer add`, `peer list` and `peer remove` keep the state: a state
 * directory on disk, or (in a pod) the Kubernetes Secret the sidecar runs from.
 */
import type { KubeClient } from "../kube/client.js";
import { readSecretState, updateSecretState } from "./secret-state.js";
import { readStateDir, writeStateDir } from "./state-dir.js";
import type { WireGuardState } from "./state.js";

export interface StateStore {
  /** For messages: the directory, or "Secret NAMESPACE/NAME". */
  label: string;
  read(): Promise<WireGuardState>;
  /** Stores `edit(current)`; returns what was stored. */
  update(edit: (state: WireGuardState) => WireGuardState): Promise<WireGuardState>;
}

export function directoryStore(dir: string): StateStore {
  return {
    label: dir,
    read: () => readStateDir(dir),
    async update(edit) {
      const next = edit(await readStateDir(dir));
      await writeStateDir(dir, next);
      return next;
    },
  };
}

export function secretStore(client: KubeClient, name: string): StateStore {
  return {
    label: `Secret ${client.namespaceName}/${name}`,
    async read() {
      const { state } = await readSecretState(client, name);
      if (!state) throw new Error(`Secret ${name} holds no WireGuard state yet: is the sidecar running?`);
      return state;
    },
    update: (edit) => updateSecretState(client, name, edit),
  };
}
