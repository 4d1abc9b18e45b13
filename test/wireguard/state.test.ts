import { describe, expect, it } from "vitest";
import { NetbootError } from "../../server/errors.js";
import {
  addPeer,
  newServerState,
  parseStateFiles,
  peerAllowedIps,
  removePeer,
  serverInterfaceAddress,
  stateFiles,
  STATE_FILES,
} from "../../server/wireguard/state.js";
import { serverSetconf, serverRoutes } from "../../server/wireguard/server-config.js";
import { SERVER_PRIVATE, SERVER_PUBLIC, serverState, testKey } from "./fixtures.js";

const filesOf = (state = serverState()) => Object.fromEntries(stateFiles(state).map((f) => [f.name, f.content]));

describe("init", () => {
  it("gives the server the first address of the tunnel and the defaults", () => {
    const state = newServerState({ privateKey: SERVER_PRIVATE, publicKey: SERVER_PUBLIC, endpoint: "203.0.113.5:51820", tunnel: "198.51.100.0/24" });
    expect(state.server).toMatchObject({ address: "198.51.100.1", listenPort: 51820, mtu: 1420, tunnel: "198.51.100.0/24" });
    expect(serverInterfaceAddress(state.server)).toBe("198.51.100.1/24");
  });

  it.each([
    [{ endpoint: "no-port" }, /HOST:PORT/],
    [{ endpoint: "host:70000" }, /HOST:PORT/],
    [{ tunnel: "192.0.2.5/24" }, /host bits/],
    [{ tunnel: "192.0.2.0/31" }, /too small/],
    [{ mtu: 1000 }, /MTU/],
    [{ listenPort: 0 }, /listen port/],
  ])("rejects %j", (override, message) => {
    const input = { privateKey: SERVER_PRIVATE, publicKey: SERVER_PUBLIC, endpoint: "[2001:db8::1]:51820", tunnel: "192.0.2.0/24", ...override };
    expect(() => newServerState(input)).toThrow(message);
  });
});

describe("peers", () => {
  it("allocates addresses in order and reuses a removed peer's address", () => {
    let state = serverState();
    for (const [i, name] of ["a", "b", "c"].entries()) {
      ({ state } = addPeer(state, { name, publicKey: testKey(`peer-${name}`), lan: [`198.51.100.${i * 64}/26`] }));
    }
    expect(state.peers.map((p) => p.address)).toEqual(["192.0.2.2", "192.0.2.3", "192.0.2.4"]);
    state = removePeer(state, "b");
    const { peer } = addPeer(state, { name: "d", publicKey: testKey("peer-d"), lan: ["203.0.113.0/24"] });
    expect(peer.address).toBe("192.0.2.3");
    expect(peerAllowedIps(peer)).toEqual(["192.0.2.3/32", "203.0.113.0/24"]);
  });

  it("refuses overlapping LANs, duplicate names and keys, and a full tunnel", () => {
    const { state } = addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24"] });
    expect(() => addPeer(state, { name: "lab", publicKey: testKey("lab"), lan: ["198.51.100.128/25"] })).toThrow(/overlaps 198.51.100.0\/24 of peer "home"/);
    expect(() => addPeer(state, { name: "lab", publicKey: testKey("lab"), lan: ["192.0.2.0/28"] })).toThrow(/overlaps 192.0.2.0\/24 of the tunnel/);
    expect(() => addPeer(state, { name: "home", publicKey: testKey("x"), lan: ["203.0.113.0/24"] })).toThrow(/already exists/);
    expect(() => addPeer(state, { name: "lab", publicKey: testKey("home"), lan: ["203.0.113.0/24"] })).toThrow(/public key already in use/);
    expect(() => addPeer(state, { name: "Bad_Name", publicKey: testKey("b"), lan: ["203.0.113.0/24"] })).toThrow(/peer name/);
    const small = { ...serverState(), server: { ...serverState().server, tunnel: "192.0.2.0/30" } };
    const { state: one } = addPeer(small, { name: "a", publicKey: testKey("a"), lan: ["198.51.100.0/24"] });
    expect(() => addPeer(one, { name: "b", publicKey: testKey("b"), lan: ["203.0.113.0/24"] })).toThrow(/no free address/);
    expect(() => removePeer(one, "zz")).toThrow(/no peer named/);
  });
});

describe("state files", () => {
  it("round-trips, with only the private key at mode 0600", () => {
    const { state } = addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24"] });
    const files = stateFiles(state);
    expect(files.map((f) => [f.name, f.mode])).toEqual([
      [STATE_FILES.privateKey, 0o600],
      [STATE_FILES.server, 0o644],
      [STATE_FILES.peers, 0o644],
    ]);
    expect(files.filter((f) => f.content.includes(SERVER_PRIVATE)).map((f) => f.name)).toEqual([STATE_FILES.privateKey]);
    expect(parseStateFiles(Object.fromEntries(files.map((f) => [f.name, f.content])))).toEqual(state);
  });

  it("reports a missing or broken file as NB_CONFIG_FILE, naming it", () => {
    const missing = { ...filesOf(), [STATE_FILES.peers]: undefined };
    expect(() => parseStateFiles(missing)).toThrow(/peers.json is missing/);
    const broken = { ...filesOf(), [STATE_FILES.server]: "{" };
    expect(() => parseStateFiles(broken)).toThrow(NetbootError);
    expect(() => parseStateFiles(broken)).toThrow(/server.json/);
    const badKey = { ...filesOf(), [STATE_FILES.privateKey]: "not-a-key\n" };
    expect(() => parseStateFiles(badKey)).toThrow(/private-key: not a WireGuard key/);
  });
});

describe("server interface config", () => {
  it("lists each router with its tunnel address and LANs, and routes the LANs", () => {
    const { state } = addPeer(serverState(), { name: "home", publicKey: testKey("home"), lan: ["198.51.100.0/24", "203.0.113.0/25"] });
    expect(serverSetconf(state)).toBe(
      [
        "[Interface]",
        `PrivateKey = ${SERVER_PRIVATE}`,
        "ListenPort = 51820",
        "",
        "[Peer]",
        "# home",
        `PublicKey = ${testKey("home")}`,
        "AllowedIPs = 192.0.2.2/32, 198.51.100.0/24, 203.0.113.0/25",
        "",
      ].join("\n"),
    );
    expect(serverRoutes(state)).toEqual(["198.51.100.0/24", "203.0.113.0/25"]);
  });
});
