import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function readVersion(): string {
  // The source tree, the compiled dist/server/, the bundled dist/server/cli/ or its chunks/.
  for (const candidate of ["../package.json", "../../package.json", "../../../package.json", "../../../../package.json"]) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === "netboot" && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return "0.0.0";
}

export const NETBOOT_VERSION = readVersion();
