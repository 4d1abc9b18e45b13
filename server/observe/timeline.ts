import type { ResponseInfo } from "../http/app.js";

/** What part of a network boot a request was. */
export type BootStage = "boot-script" | "ipxe" | "grub" | "asset" | "ignition" | "metadata" | "generic" | "cloud";

const STAGE_BY_ENDPOINT: Record<string, BootStage> = {
  "/boot.ipxe": "boot-script",
  "/boot.ipxe.0": "boot-script",
  "/ipxe": "ipxe",
  "/grub": "grub",
  "/ignition": "ignition",
  "/metadata": "metadata",
  "/generic": "generic",
  "/cloud": "cloud",
  "/assets/": "asset",
};

/** The boot stage of an answered request, or undefined for anything that is not part of a boot. */
export function stageOf(info: Pick<ResponseInfo, "endpoint" | "url">): BootStage | undefined {
  return info.endpoint === undefined ? undefined : STAGE_BY_ENDPOINT[info.endpoint];
}

export interface BootEvent {
  at: string;
  stage: BootStage;
  method: string;
  /** Path and query as requested. */
  url: string;
  status: number;
  bytes: number;
  durationMs: number;
  /** false: the client went away before the whole body was sent. */
  completed: boolean;
  /** "labels": the request named the machine; "address": attributed by client address and time. */
  attributedBy: "labels" | "address";
  remoteAddress: string;
}

export interface MachineSummary {
  /** The MAC (lower-case, colon form) or, for a machine that sent none, `uuid:<uuid>`. */
  id: string;
  mac: string | null;
  uuid: string | null;
  group: string | null;
  profile: string | null;
  lastStage: BootStage;
  lastStatus: number;
  lastSeen: string;
  remoteAddress: string;
  events: number;
}

export interface MachineTimeline extends MachineSummary {
  labels: Record<string, string>;
  timeline: BootEvent[];
}

export interface TimelineOptions {
  /** Machines remembered; the least recently seen is forgotten first. */
  maxMachines?: number;
  /** Events kept per machine (a ring: the oldest are overwritten). */
  eventsPerMachine?: number;
  /** Client addresses remembered for attributing requests that carry no MAC. */
  maxAddresses?: number;
  /** How long after a machine's last labelled request its address's unlabelled requests are still its own. */
  attributionWindowMs?: number;
  /** Unlabelled requests held per address until a labelled request claims them (`/boot.ipxe` comes before `/ipxe`). */
  pendingPerAddress?: number;
}

/** Longest URL kept in an event: a machine's 8 KiB query, 64 times over 2048 machines, would be a gigabyte. */
const MAX_URL_CHARS = 512;
/** Labels kept per machine, and the longest value kept of each. */
const MAX_LABELS = 32;
const MAX_LABEL_CHARS = 256;

function clip(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + "…" : text;
}

function clipLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  if (!labels) return kept;
  let count = 0;
  for (const key in labels) {
    if (count++ === MAX_LABELS) break;
    kept[clip(key, MAX_LABEL_CHARS)] = clip(labels[key]!, MAX_LABEL_CHARS);
  }
  return kept;
}

const DEFAULTS: Required<TimelineOptions> = {
  maxMachines: 2048,
  eventsPerMachine: 64,
  maxAddresses: 4096,
  attributionWindowMs: 15 * 60 * 1000,
  pendingPerAddress: 8,
};

/** A fixed-size ring of the latest items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** Oldest first. */
  toArray(): T[] {
    if (this.items.length < this.capacity) return [...this.items];
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }

  get size(): number {
    return this.items.length;
  }

  clear(): void {
    this.items.length = 0;
    this.next = 0;
  }
}

interface LruNode<K, V> {
  key: K;
  value: V;
  newer: LruNode<K, V> | undefined;
  older: LruNode<K, V> | undefined;
}

/**
 * At most `capacity` entries in least-recently-used order: a Map for lookup
 * and a linked list for order, so every operation is O(1). (Re-inserting into
 * a Map to keep order leaves deleted slots that `keys().next()` must skip.)
 */
class Lru<K, V> {
  private readonly map = new Map<K, LruNode<K, V>>();
  private newest: LruNode<K, V> | undefined;
  private oldest: LruNode<K, V> | undefined;

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  /** Stores the value and marks the key as just used. */
  touch(key: K, value: V): void {
    let node = this.map.get(key);
    if (node) {
      node.value = value;
      if (node === this.newest) return;
      this.unlink(node);
    } else {
      node = { key, value, newer: undefined, older: undefined };
      this.map.set(key, node);
    }
    node.older = this.newest;
    if (this.newest) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
    if (this.map.size > this.capacity && this.oldest) {
      const evicted = this.oldest;
      this.unlink(evicted);
      this.map.delete(evicted.key);
    }
  }

  private unlink(node: LruNode<K, V>): void {
    if (node.newer) node.newer.older = node.older;
    else this.newest = node.older;
    if (node.older) node.older.newer = node.newer;
    else this.oldest = node.newer;
    node.newer = node.older = undefined;
  }

  /** Most recently used first. */
  *values(): IterableIterator<V> {
    for (let node = this.newest; node; node = node.older) yield node.value;
  }

  get size(): number {
    return this.map.size;
  }
}

interface Machine {
  id: string;
  mac: string | null;
  uuid: string | null;
  labels: Record<string, string>;
  group: string | null;
  profile: string | null;
  lastSeen: number;
  last: BootEvent;
  events: Ring<BootEvent>;
}

interface AddressState {
  /** The machine whose labelled request came last from this address, and when. */
  machineId: string | undefined;
  labelledAt: number;
  /** Unlabelled requests not yet claimed by a machine. */
  pending: Ring<{ event: BootEvent; atMs: number }>;
}

function labelCaseInsensitive(labels: Record<string, string> | undefined, name: string): string | undefined {
  if (!labels) return undefined;
  for (const key in labels) if (key.toLowerCase() === name && labels[key] !== "") return clip(labels[key]!, MAX_LABEL_CHARS);
  return undefined;
}

/**
 * A bounded, in-memory record of what each machine fetched. Requests that
 * carry a MAC (or UUID) are the machine's own; `/boot.ipxe` and asset requests
 * carry neither and are attributed by client address: assets to the machine
 * whose labelled request last came from that address, `/boot.ipxe` to the
 * next one (it is what leads a machine to send its labels). Every call does a
 * bounded amount of work and never waits.
 */
export class BootTimeline {
  private readonly options: Required<TimelineOptions>;
  private readonly machines: Lru<string, Machine>;
  private readonly addresses: Lru<string, AddressState>;

  constructor(options: TimelineOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.machines = new Lru(this.options.maxMachines);
    this.addresses = new Lru(this.options.maxAddresses);
  }

  get machineCount(): number {
    return this.machines.size;
  }

  /** Records one answered request; returns its stage, or undefined when it is not part of a boot. */
  record(info: ResponseInfo): BootStage | undefined {
    const stage = stageOf(info);
    if (stage === undefined) return undefined;
    const atMs = info.at.getTime();
    const labels = info.outcome.labels;
    const mac = labelCaseInsensitive(labels, "mac") ?? null;
    const uuid = labelCaseInsensitive(labels, "uuid") ?? null;
    const machineId = mac ?? (uuid === null ? undefined : `uuid:${uuid}`);
    const event: BootEvent = {
      at: info.at.toISOString(),
      stage,
      method: info.method,
      url: clip(info.url, MAX_URL_CHARS),
      status: info.status,
      bytes: info.bytes,
      durationMs: Math.round(info.durationMs * 10) / 10,
      completed: info.completed,
      attributedBy: machineId === undefined ? "address" : "labels",
      remoteAddress: info.remoteAddress,
    };

    let address = this.addresses.get(info.remoteAddress);
    if (!address) address = { machineId: undefined, labelledAt: 0, pending: new Ring(this.options.pendingPerAddress) };
    this.addresses.touch(info.remoteAddress, address);

    if (machineId !== undefined) {
      const machine = this.machineFor(machineId, mac, uuid, atMs, event);
      machine.labels = clipLabels(labels);
      if (info.outcome.group !== undefined) machine.group = info.outcome.group;
      if (info.outcome.profile !== undefined) machine.profile = info.outcome.profile;
      // Unlabelled requests that came just before from the same address led here.
      for (const held of address.pending.toArray()) {
        if (atMs - held.atMs <= this.options.attributionWindowMs) machine.events.push(held.event);
      }
      address.pending.clear();
      machine.events.push(event);
      address.machineId = machineId;
      address.labelledAt = atMs;
      return stage;
    }

    const owner = address.machineId === undefined ? undefined : this.machines.get(address.machineId);
    const recent = owner !== undefined && atMs - address.labelledAt <= this.options.attributionWindowMs;
    if (stage === "asset" && recent) {
      owner.events.push(event);
      owner.last = event;
      owner.lastSeen = atMs;
      this.machines.touch(owner.id, owner);
    } else {
      address.pending.push({ event, atMs });
    }
    return stage;
  }

  private machineFor(id: string, mac: string | null, uuid: string | null, atMs: number, event: BootEvent): Machine {
    let machine = this.machines.get(id);
    if (!machine) {
      machine = { id, mac, uuid, labels: {}, group: null, profile: null, lastSeen: atMs, last: event, events: new Ring(this.options.eventsPerMachine) };
    }
    if (uuid !== null) machine.uuid = uuid;
    machine.lastSeen = atMs;
    machine.last = event;
    this.machines.touch(id, machine);
    return machine;
  }

  /** Every remembered machine, most recently seen first. */
  list(): MachineSummary[] {
    return [...this.machines.values()].map(summary);
  }

  /** One machine's timeline, oldest first, by MAC (any notation) or `uuid:<uuid>`. */
  get(id: string): MachineTimeline | undefined {
    const machine = this.machines.get(id);
    if (!machine) return undefined;
    return { ...summary(machine), labels: machine.labels, timeline: machine.events.toArray() };
  }
}

function summary(machine: Machine): MachineSummary {
  return {
    id: machine.id,
    mac: machine.mac,
    uuid: machine.uuid,
    group: machine.group,
    profile: machine.profile,
    lastStage: machine.last.stage,
    lastStatus: machine.last.status,
    lastSeen: new Date(machine.lastSeen).toISOString(),
    remoteAddress: machine.last.remoteAddress,
    events: machine.events.size,
  };
}
