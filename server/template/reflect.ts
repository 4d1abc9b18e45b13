/**
 * The small part of Go's reflect model the executor needs on top of value.ts:
 *
 *   undefined   an invalid reflect.Value (no value: a nil pipeline result, `$x := .nul`)
 *   Iface       a value of static type interface {}, as read from a map or slice
 *               element; Iface(null) is a nil interface
 *   otherwise   a concrete value (see value.ts)
 *
 * The distinction shows in Go's error messages ("nil pointer evaluating
 * interface {}.x" versus "nil data; no entry for key") and in a few builtins.
 */
import { goTypeName, kindOf } from "./value.js";

export class Iface {
  constructor(readonly v: unknown) {}
}

export type Val = unknown;

/** indirectInterface: the concrete value inside an interface; undefined for a nil one. */
export function indirectInterface(v: Val): Val {
  if (v instanceof Iface) return v.v === null || v.v === undefined ? undefined : v.v;
  return v;
}

/** reflect.Value.Type().String() for a (possibly interface) value. */
export function reflectTypeName(v: Val): string {
  if (v instanceof Iface) return "interface {}";
  return goTypeName(v);
}

/** An element of a JSON array or object, as an interface {} value. */
export function element(v: unknown): Iface {
  return new Iface(v === undefined ? null : v);
}

/** The concrete value a Go function taking `any` receives (nil for no value). */
export function toAny(v: Val): unknown {
  const c = indirectInterface(v);
  return c === undefined ? null : c;
}

export function isNilKind(v: Val): boolean {
  return v === undefined || kindOf(v) === "nil";
}

const APPEND_SIZE_CLASSES = [
  0, 8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480,
  512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376,
  6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576,
  27264, 28672, 32768,
];

function roundUpSize(bytes: number): number {
  if (bytes <= 32768) {
    for (const c of APPEND_SIZE_CLASSES) if (c >= bytes) return c;
  }
  return Math.ceil(bytes / 8192) * 8192;
}

/**
 * The capacity of a []interface {} that encoding/json built by appending n
 * elements one at a time: Go's slice growth rule with its allocation size
 * classes (16-byte elements). `slice` may index up to the capacity, and the
 * slots past the length hold nil.
 */
export function jsonSliceCap(n: number): number {
  let cap = 0;
  for (let len = 1; len <= n; len++) {
    if (len <= cap) continue;
    const old = cap;
    let newcap = old;
    const doublecap = newcap + newcap;
    if (len > doublecap) newcap = len;
    else if (old < 256) newcap = doublecap;
    else {
      while (newcap < len) newcap += (newcap + 3 * 256) >> 2;
    }
    cap = roundUpSize(newcap * 16) / 16;
  }
  return cap;
}

interface SliceView {
  base: readonly unknown[];
  offset: number;
  cap: number;
}

const views = new WeakMap<readonly unknown[], SliceView>();

function viewOf(list: readonly unknown[]): SliceView {
  return views.get(list) ?? { base: list, offset: 0, cap: jsonSliceCap(list.length) };
}

export function sliceCap(list: readonly unknown[]): number {
  return viewOf(list).cap;
}

/** list[i:j] or list[i:j:k], sharing the backing array as Go does. */
export function sliceList(list: readonly unknown[], i: number, j: number, k?: number): unknown[] {
  const view = viewOf(list);
  const out: unknown[] = [];
  for (let x = i; x < j; x++) {
    const at = view.offset + x;
    out.push(at < view.base.length ? view.base[at] : null);
  }
  views.set(out, { base: view.base, offset: view.offset + i, cap: (k ?? view.cap) - i });
  return out;
}
