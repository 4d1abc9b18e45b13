import { describe, expect, it } from "vitest";
import { handshakeAgeSeconds, parseWgDump } from "../../server/wireguard/dump.js";
import { namePeers, formatStatus } from "../../server/wireguard/status-view.js";
import { SERVER_PRIVATE, SERVER_PUBLIC, testKey } from "./fixtures.js";

const HOME = testKey("home");
const LAB = testKey("lab");
const PSK = testKey("preshared");

// The layout of `wg show <if> dump` (wg(8)): the interface line, then one line per peer, tab-separated.
const DUMP = [
  [SERVER_PRIVATE, SERVER_PUBLIC, "51820", "off"],
  [HOME, "(none)", "203.0.113.9:40112", "192.0.2.2/32,198.51.100.0/24", "1764129000", "15844", "1207740", "off"],
  [LAB, PSK, "(none)", "(none)", "0", "0", "0", "25"],
]
  .map((fields) => fields.join("\t"))
  .join("\n");

describe("parseWgDump", () => {
  it("reads each peer and keeps no secret", () => {
    const peers = parseWgDump(`${DUMP}\n`);
    expect(peers).toEqual([
      {
        publicKey: HOME,
        endpoint: "203.0.113.9:40112",
        allowedIps: ["192.0.2.2/32", "198.51.100.0/24"],
        latestHandshake: 1764129000,
        rxBytes: 15844,
        txBytes: 1207740,
        persistentKeepalive: null,
      },
      { publicKey: LAB, endpoint: null, allowedIps: [], latestHandshake: null, rxBytes: 0, txBytes: 0, persistentKeepalive: 25 },
    ]);
    const serialised = JSON.stringify(peers);
    expect(serialised).not.toContain(SERVER_PRIVATE);
    expect(serialised).not.toContain(PSK);
  });

  it("reads `wg show all dump`, which leads each line with the interface", () => {
    const all = DUMP.split("\n").map((line) => `wg0\t${line}`).join("\n");
    expect(parseWgDump(all).map((p) => [p.interface, p.publicKey])).toEqual([
      ["wg0", HOME],
      ["wg0", LAB],
    ]);
  });

  it("returns nothing for an interface without peers, and rejects malformed lines", () => {
    expect(parseWgDump(`${SERVER_PRIVATE}\t${SERVER_PUBLIC}\t51820\toff\n`)).toEqual([]);
    expect(() => parseWgDump("a\tb\tc")).toThrow(/line 1: expected 8/);
    expect(() => parseWgDump(DUMP.replace("15844", "lots"))).toThrow(/line 2: transfer-rx "lots"/);
  });
});

describe("status view", () => {
  it("names peers from the state and ages handshakes", () => {
    const rows = namePeers(parseWgDump(DUMP), [{ name: "home", publicKey: HOME, address: "192.0.2.2", lan: [] }], 1764129042);
    expect(rows.map((r) => [r.name, r.handshakeAgeSeconds])).toEqual([
      ["home", 42],
      [null, null],
    ]);
    expect(handshakeAgeSeconds(rows[0]!, 1764128000)).toBe(0);
    expect(formatStatus(rows).split("\n")).toEqual([
      "NAME                 ENDPOINT           HANDSHAKE  RX     TX",
      "home                 203.0.113.9:40112  42s ago    15844  1207740",
      `(unknown ${LAB.slice(0, 8)}…)  -                  never      0      0`,
      "",
    ]);
  });
});
