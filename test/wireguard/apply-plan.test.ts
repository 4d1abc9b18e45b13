import { describe, expect, it } from "vitest";
import { planApply } from "../../server/wireguard/apply-plan.js";
import { addPeer, removePeer } from "../../server/wireguard/state.js";
import { serverState, testKey } from "./fixtures.js";

describe("planApply", () => {
  const one = addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24"] }).state;
  const two = addPeer(one, { name: "lab", publicKey: testKey("lab"), lan: ["203.0.113.0/24"] }).state;

  it("first apply sets the address, MTU and every route", () => {
    const plan = planApply(null, two);
    expect(plan.link).toEqual({ address: "192.0.2.1/24", mtu: 1420, routes: ["198.51.100.0/24", "203.0.113.0/24"] });
    expect(plan.addRoutes).toEqual(plan.link.routes);
    expect(plan.removeRoutes).toEqual([]);
    expect(plan.removeAddress).toBeNull();
  });

  it("a new router only adds its routes; a removed one only removes its routes", () => {
    const added = planApply(planApply(null, one).link, two);
    expect(added.addRoutes).toEqual(["203.0.113.0/24"]);
    expect(added.removeRoutes).toEqual([]);
    const removed = planApply(added.link, removePeer(two, "home"));
    expect(removed.addRoutes).toEqual([]);
    expect(removed.removeRoutes).toEqual(["198.51.100.0/24"]);
    expect(removed.setconf).not.toContain(testKey("home"));
  });

  it("a new tunnel address replaces the old one", () => {
    const moved = { ...one, server: { ...one.server, tunnel: "198.51.100.0/24", address: "198.51.100.1" }, peers: [] };
    const plan = planApply(planApply(null, one).link, moved);
    expect(plan.link.address).toBe("198.51.100.1/24");
    expect(plan.removeAddress).toBe("192.0.2.1/24");
    expect(plan.removeRoutes).toEqual(["198.51.100.0/24"]);
  });
});
