import { defineConfig } from "vitest/config";

/** The namespace tests: root and wireguard-tools, wireguard-go, iproute2, iptables (see .ci/suites/30-wireguard.sh). */
export default defineConfig({
  test: {
    include: ["test/wireguard/ns/*.nstest.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
