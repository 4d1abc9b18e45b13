import module from "node:module";
import path from "node:path";

/**
 * Keeps V8's compiled code of the modules between runs (Node's compile cache)
 * in the package's node_modules/.cache, so a start reads it instead of
 * compiling fastify and the rest again. Where that folder cannot be written
 * (a read-only image), Node carries on without it; NODE_COMPILE_CACHE names
 * another folder (the image sets one under /tmp), NODE_DISABLE_COMPILE_CACHE=1
 * turns it off. Only modules loaded after this call are cached: the commands,
 * which main loads on demand.
 */
export function enableCompileCache(): void {
  if (process.env.NODE_COMPILE_CACHE || !module.enableCompileCache || !module.findPackageJSON) return;
  const packageJson = module.findPackageJSON(import.meta.url);
  if (packageJson === undefined) return;
  module.enableCompileCache(path.join(path.dirname(packageJson), "node_modules", ".cache", "netboot-compile"));
}
