import { defineConfig } from "vitest/config";

// The chart suite runs real Helm binaries fetched by scripts/fetch-helm.sh, so it
// has its own entry point (.ci/suites/40-chart.sh) instead of `npm test`.
export default defineConfig({
  test: {
    root: new URL("../..", import.meta.url).pathname,
    include: ["test/chart/**/*.spec.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
