import type { ResponseInfo } from "../http/app.js";
import { percentDecode } from "../util/percent.js";

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

/** An event as kept: its time as a number, written out as text only when read. */
type KeptEvent = Omit<BootEvent, "at"> & { atMs: number };

function readable(event: KeptEvent): BootEvent {
  const { atMs, ...rest } = event;
  return { at: new Date(atMs).toISOString(), ...rest };
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
  /**
   * Memory the whole record may hold, as estimated per entry (strings at two
   * bytes a character, plus each object's overhead); past it, the least
   * recently seen machines and addresses are forgotten first.
   */
  maxBytes?: number;
  /** Keep every query value in URLs and labels; by default only the identifying ones (IDENTIFYING_LABELS) are kept. */
  keepQueryValues?: boolean;
}

/** Longest URL kept in an event. */
const MAX_URL_CHARS = 512;
/** Labels kept per machine, and the longest value kept of each. */
const MAX_LABELS = 32;
const MAX_LABEL_CHARS = 256;
/** Query keys whose values are kept by default: they name the machine or the stage of its boot; other values read `***`. */
const IDENTIFYING_LABELS: ReadonlySet<string> = new Set(["mac", "uuid", "arch", "os"]);
const REDACTED = "***";

/** Estimated heap bytes of an event, or of a label, beyond its strings. */
const EVENT_OVERHEAD_BYTES = 320;
const LABEL_OVERHEAD_BYTES = 64;
const MACHINE_OVERHEAD_BYTES = 512;
const ADDRESS_OVERHEAD_BYTES = 256;
const stringBytes = (text: string | null) => (text === null ? 0 : 2 * text.length);

/** Strings shorter than this are copied by V8 when sliced, never kept as a view. */
const SHORTEST_VIEW = 13;

/**
 * A copy of `text` that shares no memory with it. V8 keeps a substring (from
 * slice, split, a regular expression) as a view of its parent, so a 100-byte
 * label cut from an 8 KiB URL would keep the whole URL alive. Joining a
 * character to it makes V8 write the joined text out afresh when it is sliced
 * again, so what is kept is that fresh copy (one character longer), not the
 * parent (a tenth of the cost of copying through a Buffer).
 */
function own(text: string): string {
  return text.length < SHORTEST_VIEW ? text : (" " + text).slice(1);
}

function clip(text: string, max: number): string {
  return own(text.length > max ? text.slice(0, max - 1) + "…" : text);
}

function identifying(key: string): boolean {
  return IDENTIFYING_LABELS.has(key.toLowerCase());
}

/** A URL with every non-empty query value `***` except the identifying ones (keys, in their original spelling, stay). */
function redactQuery(url: string): string {
  const q = url.indexOf("?");
  if (q === -1 || nothingToRedact(url, q + 1)) return url;
  const pairs = url.slice(q + 1).split("&").map((pair) => {
    const eq = pair.indexOf("=");
    if (eq === -1 || eq === pair.length - 1) return pair;
    const key = pair.slice(0, eq);
    return identifying(percentDecode(key, true) ?? key) ? pair : `${key}=${REDACTED}`;
  });
  return url.slice(0, q + 1) + pairs.join("&");
}

/** Whether every pair of the query starting at `from` has an empty value or an identifying key (the usual machine request). */
function nothingToRedact(url: string, from: number): boolean {
  for (let start = from; start <= url.length; ) {
    let end = url.indexOf("&", start);
    if (end === -1) end = url.length;
    const eq = url.indexOf("=", start);
    if (eq !== -1 && eq < end - 1) {
      const key = url.slice(start, eq);
      if (!identifying(key.includes("%") || key.includes("+") ? (percentDecode(key, true) ?? key) : key)) return false;
    }
    start = end + 1;
  }
  return true;
}

function clipLabels(labels: Record<string, string> | undefined, keepValues: boolean): Record<string, string> {
  const kept: Record<string, string> = {};
  if (!labels) return kept;
  let count = 0;
  for (const key in labels) {
    if (count++ === MAX_LABELS) break;
    const value = labels[key]!;
    kept[clip(key, MAX_LABEL_CHARS)] = keepValues || value === "" || identifying(key) ? clip(value, MAX_LABEL_CHARS) : REDACTED;
  }
  return kept;
}

/** Whether `kept` is what clipLabels would make of `labels` (checked without copying anything). */
function labelsUnchanged(kept: Record<string, string>, labels: Record<string, string> | undefined, keepValues: boolean): boolean {
  let count = 0;
  for (const key in labels) {
    if (++count > MAX_LABELS || key.length > MAX_LABEL_CHARS) return false;
    const value = labels[key]!;
    if (value.length > MAX_LABEL_CHARS) return false;
    const keptValue = kept[key];
    // A value kept as it is was kept for this key (identifying, empty or all kept): no need to ask again.
    if (keptValue === value && value !== REDACTED) continue;
    if (keptValue !== (keepValues || value === "" || identifying(key) ? value : REDACTED)) return false;
  }
  let keptCount = 0;
  for (const _ in kept) keptCount++;
  return keptCount === count;
}

function labelsBytes(labels: Record<string, string>): number {
  let bytes = 0;
  for (const key in labels) bytes += LABEL_OVERHEAD_BYTES + stringBytes(key) + stringBytes(labels[key]!);
  return bytes;
}

function eventBytes(event: KeptEvent): number {
  return EVENT_OVERHEAD_BYTES + stringBytes(event.url) + stringBytes(event.remoteAddress) + stringBytes(event.method);
}

const DEFAULTS: Required<TimelineOptions> = {
  maxMachines: 2048,
  eventsPerMachine: 64,
  maxAddresses: 4096,
  attributionWindowMs: 15 * 60 * 1000,
  pendingPerAddress: 8,
  maxBytes: 32 * 1024 * 1024,
  keepQueryValues: false,
};

/** A fixed-size ring of the latest items. */
class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly capacity: number) {}

  /** Adds the item; returns the one it overwrote, if any. */
  push(item: T): T | undefined {
    let overwritten: T | undefined;
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      overwritten = this.items[this.next];
      this.items[this.next] = item;
    }
    this.next = (this.next + 1) % this.capacity;
    return overwritten;
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

  constructor(
    private readonly capacity: number,
    private readonly onEvict: (value: V) => void,
  ) {}

  get(key: K): V | undefined {
    return this.map.get(key)?.value;
  }

  /** The value, marked as just used (one lookup: a request's MAC is a fresh string, hashed anew). */
  use(key: K): V | undefined {
    const node = this.map.get(key);
    if (node && node !== this.newest) {
      this.unlink(node);
      this.linkNewest(node);
    }
    return node?.value;
  }

  /** Adds a key not yet present, as just used; the least recently used goes when over capacity. */
  add(key: K, value: V): void {
    const node: LruNode<K, V> = { key, value, newer: undefined, older: undefined };
    this.map.set(key, node);
    this.linkNewest(node);
    if (this.map.size > this.capacity) this.evictOldest();
  }

  private linkNewest(node: LruNode<K, V>): void {
    node.older = this.newest;
    if (this.newest) this.newest.newer = node;
    this.newest = node;
    this.oldest ??= node;
  }

  /** The least recently used value. */
  get oldestValue(): V | undefined {
    return this.oldest?.value;
  }

  /** Forgets the least recently used entry. */
  evictOldest(): void {
    const evicted = this.oldest;
    if (!evicted) return;
    this.unlink(evicted);
    this.map.delete(evicted.key);
    this.onEvict(evicted.value);
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
  last: KeptEvent;
  events: Ring<KeptEvent>;
  /** Estimated bytes held: labels and events. */
  bytes: number;
}

interface AddressState {
  address: string;
  /** The machine whose labelled request came last from this address, and when. */
  machineId: string | undefined;
  labelledAt: number;
  lastSeen: number;
  /** Unlabelled requests not yet claimed by a machine. */
  pending: Ring<KeptEvent>;
  /** Estimated bytes held by the pending events. */
  bytes: number;
}

/** The request's MAC and UUID labels (keys in any case; an empty value counts as none), clipped copies. */
function identity(labels: Record<string, string> | undefined): { mac: string | null; uuid: string | null } {
  let mac: string | null = null;
  let uuid: string | null = null;
  for (const key in labels) {
    if (key.length === 3 ? mac !== null || key.toLowerCase() !== "mac" : key.length !== 4 || uuid !== null || key.toLowerCase() !== "uuid") continue;
    const value = labels[key]!;
    if (value === "") continue;
    if (key.length === 3) mac = clip(value, MAX_LABEL_CHARS);
    else uuid = clip(value, MAX_LABEL_CHARS);
  }
  return { mac, uuid };
}

/**
 * A bounded, in-memory record of what each machine fetched. Requests that
 * carry a MAC (or UUID) are the machine's own; `/boot.ipxe` and asset requests
 * carry neither and are attributed by client address: assets to the machine
 * whose labelled request last came from that address, `/boot.ipxe` to the
 * next one (it is what leads a machine to send its labels). Every call does a
 * bounded amount of work and never waits. What it holds is bounded in count
 * (machines, events, addresses) and in estimated bytes (`maxBytes`), and every
 * string it keeps is its own copy, never a view of a request's URL.
 */
export class BootTimeline {
  private readonly options: Required<TimelineOptions>;
  private readonly machines: Lru<string, Machine>;
  private readonly addresses: Lru<string, AddressState>;
  private heldBytes = 0;

  constructor(options: TimelineOptions = {}) {
    this.options = { ...DEFAULTS, ...options };
    this.machines = new Lru(this.options.maxMachines, (machine) => (this.heldBytes -= machine.bytes));
    this.addresses = new Lru(this.options.maxAddresses, (address) => (this.heldBytes -= address.bytes));
  }

  get machineCount(): number {
    return this.machines.size;
  }

  /** Estimated bytes the record holds (at most `maxBytes` once a call returns). */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Records one answered request; returns its stage, or undefined when it is not part of a boot. */
  record(info: ResponseInfo): BootStage | undefined {
    const stage = stageOf(info);
    if (stage === undefined) return undefined;
    const atMs = info.atMs;
    const labels = info.outcome.labels;
    const { mac, uuid } = identity(labels);
    const machineId = mac ?? (uuid === null ? undefined : `uuid:${uuid}`);
    const url = this.options.keepQueryValues ? info.url : redactQuery(info.url);
    const event: KeptEvent = {
      atMs,
      stage,
      method: own(info.method),
      url: clip(url, MAX_URL_CHARS),
      status: info.status,
      bytes: info.bytes,
      durationMs: Math.round(info.durationMs * 10) / 10,
      completed: info.completed,
      attributedBy: machineId === undefined ? "address" : "labels",
      remoteAddress: "",
    };

    let address = this.addresses.use(info.remoteAddress);
    if (!address) {
      const owned = own(info.remoteAddress);
      address = { address: owned, machineId: undefined, labelledAt: 0, lastSeen: atMs, pending: new Ring(this.options.pendingPerAddress), bytes: 0 };
      this.resize(address, ADDRESS_OVERHEAD_BYTES + stringBytes(address.address));
      this.addresses.add(owned, address);
    }
    event.remoteAddress = address.address;
    address.lastSeen = atMs;

    if (machineId !== undefined) {
      const machine = this.machineFor(machineId, mac, uuid, atMs, event);
      // A machine sends the same labels again and again: kept as they are when unchanged.
      if (!labelsUnchanged(machine.labels, labels, this.options.keepQueryValues)) {
        const kept = clipLabels(labels, this.options.keepQueryValues);
        this.resize(machine, labelsBytes(kept) - labelsBytes(machine.labels));
        machine.labels = kept;
      }
      // Copies: a name parsed from a data file may be a view of the whole file.
      const { group, profile } = info.outcome;
      if (group !== undefined && group !== machine.group) machine.group = clip(group, MAX_LABEL_CHARS);
      if (profile !== undefined && profile !== machine.profile) machine.profile = clip(profile, MAX_LABEL_CHARS);
      // Unlabelled requests that came just before from the same address led here.
      if (address.pending.size > 0) {
        for (const held of address.pending.toArray()) {
          if (atMs - held.atMs <= this.options.attributionWindowMs) this.pushEvent(machine, held);
        }
        this.resize(address, -this.pendingBytes(address));
        address.pending.clear();
      }
      this.pushEvent(machine, event);
      address.machineId = machine.id;
      address.labelledAt = atMs;
    } else {
      const owner = address.machineId === undefined ? undefined : this.machines.get(address.machineId);
      const recent = owner !== undefined && atMs - address.labelledAt <= this.options.attributionWindowMs;
      if (stage === "asset" && recent) {
        this.pushEvent(owner, event);
        owner.last = event;
        owner.lastSeen = atMs;
        this.machines.use(owner.id);
      } else {
        const overwritten = address.pending.push(event);
        this.resize(address, eventBytes(event) - (overwritten ? eventBytes(overwritten) : 0));
      }
    }
    this.trim();
    return stage;
  }

  private pendingBytes(address: AddressState): number {
    let bytes = 0;
    for (const held of address.pending.toArray()) bytes += eventBytes(held);
    return bytes;
  }

  private pushEvent(machine: Machine, event: KeptEvent): void {
    const overwritten = machine.events.push(event);
    this.resize(machine, eventBytes(event) - (overwritten ? eventBytes(overwritten) : 0));
  }

  private resize(entry: { bytes: number }, delta: number): void {
    entry.bytes += delta;
    this.heldBytes += delta;
  }

  /** Forgets the least recently seen machines and addresses until the record fits its byte budget. */
  private trim(): void {
    while (this.heldBytes > this.options.maxBytes && this.machines.size + this.addresses.size > 1) {
      const machine = this.machines.oldestValue;
      const address = this.addresses.oldestValue;
      if (machine && (!address || machine.lastSeen <= address.lastSeen)) this.machines.evictOldest();
      else this.addresses.evictOldest();
    }
  }

  private machineFor(id: string, mac: string | null, uuid: string | null, atMs: number, event: KeptEvent): Machine {
    let machine = this.machines.use(id);
    if (!machine) {
      machine = { id: own(id), mac, uuid, labels: {}, group: null, profile: null, lastSeen: atMs, last: event, events: new Ring(this.options.eventsPerMachine), bytes: 0 };
      this.resize(machine, MACHINE_OVERHEAD_BYTES + stringBytes(machine.id) + stringBytes(mac) + stringBytes(uuid));
      this.machines.add(machine.id, machine);
    }
    if (uuid !== null && uuid !== machine.uuid) {
      this.resize(machine, stringBytes(uuid) - stringBytes(machine.uuid));
      machine.uuid = uuid;
    }
    machine.lastSeen = atMs;
    machine.last = event;
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
    return { ...summary(machine), labels: machine.labels, timeline: machine.events.toArray().map(readable) };
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
