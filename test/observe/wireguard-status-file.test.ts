import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { NetbootMetrics, statusFilePeers } from "../../server/observe/metrics.js";
import { removeDir } from "../support/data-dir.js";

describe("WireGuard peer metrics from the sidecar's status file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "netboot-wgstatus-"));
  afterAll(() => removeDir(dir));
  const file = path.join(dir, "status.json");
  const now = 1_800_000_000;
  const metricsFor = () =>
    new NetbootMetrics({ snapshot: () => undefined, wireguard: { interface: "wg0", peers: statusFilePeers(file, 120, () => now) }, nowSeconds: () => now });

  it("reports each peer's handshake age and bytes", async () => {
    writeFileSync(
      file,
      JSON.stringify({
        interface: "wg0",
        updatedAt: now - 5,
        peers: [{ publicKey: "PUBKEY=", endpoint: "198.51.100.2:40000", allowedIps: ["192.0.2.0/24"], latestHandshake: now - 30, rxBytes: 1234, txBytes: 5678, persistentKeepalive: 25, name: "home", handshakeAgeSeconds: 30 }],
      }),
    );
    const text = await metricsFor().render();
    expect(text).toContain('netboot_wireguard_up{interface="wg0"} 1');
    expect(text).toContain('netboot_wireguard_peer_last_handshake_age_seconds{interface="wg0",peer="PUBKEY="} 30');
    expect(text).toContain('netboot_wireguard_peer_receive_bytes{interface="wg0",peer="PUBKEY="} 1234');
    expect(text).toContain('netboot_wireguard_peer_transmit_bytes{interface="wg0",peer="PUBKEY="} 5678');
  });

  it("says the tunnel is unreadable when the sidecar stopped writing or the file is missing or broken", async () => {
    writeFileSync(file, JSON.stringify({ interface: "wg0", updatedAt: now - 600, peers: [] }));
    expect(await metricsFor().render()).toContain('netboot_wireguard_up{interface="wg0"} 0');
    writeFileSync(file, "{ not json");
    expect(await metricsFor().render()).toContain('netboot_wireguard_up{interface="wg0"} 0');
  });
});
