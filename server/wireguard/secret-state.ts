/**
 * The state directory kept in a Kubernetes Secret instead, read and written
 * through the API: one key per state file, as `--output secret` writes it and
 * as the chart mounts it. Writes carry the resourceVersion they read, so two
 * writers never lose each other's change (a refused write is read and retried).
 */
import { KubeApiError, type KubeClient, type Secret } from "../kube/client.js";
import type { StateSource } from "./state-dir.js";
import { parseStateFiles, STATE_FILES, stateFiles, type WireGuardState } from "./state.js";

const FILE_NAMES: string[] = Object.values(STATE_FILES);
const ATTEMPTS = 5;

/** The Secret's state files (decoded), by file name; absent keys are undefined. */
export function secretStateFiles(secret: Secret): Record<string, string | undefined> {
  const files: Record<string, string | undefined> = {};
  for (const name of FILE_NAMES) {
    const encoded = secret.data?.[name];
    files[name] = encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString("utf8");
  }
  return files;
}

export interface SecretState {
  /** null: the Secret holds none of the state files yet. */
  state: WireGuardState | null;
  resourceVersion: string | undefined;
}

/** Reads the state; a Secret with only some of the files is an error, never overwritten. */
export async function readSecretState(client: KubeClient, name: string): Promise<SecretState> {
  const secret = await client.getSecret(name);
  const files = secretStateFiles(secret);
  const present = FILE_NAMES.filter((f) => files[f] !== undefined);
  const resourceVersion = secret.metadata.resourceVersion;
  if (present.length === 0) return { state: null, resourceVersion };
  if (present.length < FILE_NAMES.length) {
    const missing = FILE_NAMES.filter((f) => files[f] === undefined);
    throw new Error(`Secret ${name} holds ${present.join(", ")} but not ${missing.join(", ")}: restore it, or remove its data to start with new keys`);
  }
  return { state: parseStateFiles(files), resourceVersion };
}

function encode(state: WireGuardState): Record<string, string> {
  return Object.fromEntries(stateFiles(state).map((f) => [f.name, Buffer.from(f.content).toString("base64")]));
}

function isConflict(err: unknown): boolean {
  return err instanceof KubeApiError && err.status === 409;
}

/**
 * The Secret's state, made by `create` and stored when the Secret is still
 * empty (first start). If another pod stored one first, that one is used.
 */
export async function initSecretState(
  client: KubeClient,
  name: string,
  create: () => Promise<WireGuardState>,
): Promise<{ state: WireGuardState; created: boolean }> {
  for (let attempt = 1; ; attempt++) {
    const current = await readSecretState(client, name);
    if (current.state) return { state: current.state, created: false };
    const state = await create();
    try {
      await client.patchSecretData(name, encode(state), current.resourceVersion);
      return { state, created: true };
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** Applies `edit` to the stored state and stores the result, retrying when another writer came first. */
export async function updateSecretState(
  client: KubeClient,
  name: string,
  edit: (state: WireGuardState) => WireGuardState,
): Promise<WireGuardState> {
  for (let attempt = 1; ; attempt++) {
    const current = await readSecretState(client, name);
    if (!current.state) throw new Error(`Secret ${name} holds no WireGuard state yet: is the sidecar running?`);
    const next = edit(current.state);
    try {
      await client.patchSecretData(name, encode(next), current.resourceVersion);
      return next;
    } catch (err) {
      if (!isConflict(err) || attempt >= ATTEMPTS) throw err;
    }
  }
}

/** The sidecar's state source for a Secret: read through the API on every poll. */
export function secretSource(client: KubeClient, name: string): StateSource {
  return {
    label: `Secret ${client.namespaceName}/${name}`,
    readFiles: async () => secretStateFiles(await client.getSecret(name)),
  };
}
