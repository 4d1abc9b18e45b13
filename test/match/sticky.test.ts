import { describe, expect, it } from "vitest";
import { labelsFromQuery } from "../../server/match/labels.js";
import { labelsToRemember, machineOf, rememberedInEffect, withRemembered } from "../../server/match/sticky.js";
import { decodeGroup } from "../../server/store/decode.js";
import { decodeState, encodeState, macOfStateFile, stateFileName } from "../../server/state/record.js";

const labels = (query: string) => labelsFromQuery(query).labels;

describe("sticky groups: what is remembered and how it is matched (pure)", () => {
  it("a machine is its MAC label (normalised); a UUID alone is no identity", () => {
    expect(machineOf(labels("mac=52-54-00-AA-BB-CC&uuid=u"))).toBe("52:54:00:aa:bb:cc");
    expect(machineOf(labels("MAC=52-54-00-AA-BB-CC"))).toBe("52:54:00:aa:bb:cc");
    expect(machineOf(labels("MAC=52-54-00-00-00-01&mac=52-54-00-00-00-02"))).toBe("52:54:00:00:00:02");
    expect(machineOf(labels("uuid=4c4c4544-0000-0000-0000-000000000000"))).toBeUndefined();
    expect(machineOf(labels("mac=not-a-mac"))).toBeUndefined();
  });

  it("remembers the selector's labels except the MAC and labels that want \"\"", () => {
    expect({ ...labelsToRemember({ mac: "52:54:00:aa:bb:cc", os: "installed", MAC: "x", rack: "" }) }).toEqual({ os: "installed" });
    const odd: Record<string, string> = Object.create(null);
    odd["__proto__"] = "p";
    expect(Object.keys(labelsToRemember(odd))).toEqual(["__proto__"]);
  });

  it("matches with the remembered labels under the query's own: a label in the query wins", () => {
    const query = labels("mac=52-54-00-aa-bb-cc&os=live");
    const merged = withRemembered(query, { os: "installed", stage: "2" });
    expect(Object.fromEntries(merged)).toEqual({ mac: "52:54:00:aa:bb:cc", os: "live", stage: "2" });
    expect({ ...rememberedInEffect(query, { os: "installed", stage: "2" }) }).toEqual({ stage: "2" });
  });

  it("a group's sticky key is netboot's own: decoded, never an unknown key, any case as Go folds field names", () => {
    const group = decodeGroup({ id: "g", selector: { mac: "52:54:00:aa:bb:cc", os: "installed" }, sticky: true }, "groups/g.json");
    expect(group.sticky).toBe(true);
    expect(group.warnings).toBeUndefined();
    expect(decodeGroup({ Sticky: true, selector: { os: "installed" } }, "groups/h.json").sticky).toBe(true);
    expect(decodeGroup({ sticky: false, selector: { os: "installed" } }, "groups/h.json").sticky).toBeUndefined();
    expect(decodeGroup({ stiky: true, selector: { os: "installed" } }, "groups/h.json").warnings?.[0]?.message).toMatch(/unknown key "stiky" is ignored \(did you mean \/sticky\?\)/);
    expect(() => decodeGroup({ sticky: "yes" }, "groups/i.json")).toThrow(/must be boolean,null/);
    const nothing = decodeGroup({ sticky: true, selector: { mac: "52:54:00:aa:bb:cc" } }, "groups/j.json");
    expect(nothing.warnings).toEqual([expect.objectContaining({ pointer: "/sticky", severity: "warning", message: expect.stringMatching(/nothing to remember/) })]);
  });

  it("state files: named by the MAC with hyphens, and nothing else is taken for one", () => {
    expect(stateFileName("52:54:00:aa:bb:cc")).toBe("52-54-00-aa-bb-cc.json");
    expect(macOfStateFile("52-54-00-aa-bb-cc.json")).toBe("52:54:00:aa:bb:cc");
    for (const name of ["52-54-00-AA-BB-CC.json", "52:54:00:aa:bb:cc.json", "lost+found", ".52-54-00-aa-bb-cc.json.1f.tmp", "52-54-00-aa-bb-cc.json.bak"]) {
      expect(macOfStateFile(name)).toBeUndefined();
    }
  });

  it("state files: round trip, and a reason for what is not one", () => {
    const state = { mac: "52:54:00:aa:bb:cc", labels: { os: { value: "installed", setAt: "2025-01-02T03:04:05.000Z", group: "node1-installed", endpoint: "/ignition" } } };
    expect(decodeState(encodeState(state), state.mac)).toEqual(state);
    expect(() => decodeState("{", state.mac)).toThrow("is not valid JSON");
    expect(() => decodeState(JSON.stringify({ version: 1, mac: state.mac, labels: { os: "installed" } }), state.mac)).toThrow(/is not a machine state file: \/labels\/os must be object/);
    expect(() => decodeState(encodeState({ ...state, mac: "52:54:00:00:00:01" }), state.mac)).toThrow(/holds the state of "52:54:00:00:00:01", not of 52:54:00:aa:bb:cc/);
    expect(() => decodeState(JSON.stringify({ version: 2, mac: state.mac, labels: {} }), state.mac)).toThrow(/\/version must be equal to constant/);
  });
});
