import { describe, expect, it } from "vitest";
import { emptyRecord } from "../../server/util/record.js";

describe("emptyRecord", () => {
  it("inherits nothing: any key, __proto__ and constructor included, is an own property or absent", () => {
    const record = emptyRecord<string>();
    expect(record.constructor).toBeUndefined();
    expect(record.toString).toBeUndefined();
    expect("hasOwnProperty" in record).toBe(false);
    record["__proto__"] = "a";
    record["constructor"] = "b";
    expect(Object.keys(record)).toEqual(["__proto__", "constructor"]);
    expect(Object.hasOwn(record, "__proto__")).toBe(true);
    expect(JSON.stringify(record)).toBe('{"__proto__":"a","constructor":"b"}');
    expect(Object.entries(record)).toEqual([["__proto__", "a"], ["constructor", "b"]]);
  });

  it("cannot be given inherited keys through its shared prototype", () => {
    const prototype = Object.getPrototypeOf(emptyRecord()) as object;
    expect(Object.isFrozen(prototype)).toBe(true);
    expect(Object.getPrototypeOf(prototype)).toBeNull();
    expect(() => Object.defineProperty(prototype, "mac", { value: "x" })).toThrow(TypeError);
  });
});
