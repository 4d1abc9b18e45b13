// An esbuild plugin that defers loading modules a server's start never uses
// until their first use. Each import of one is replaced by a stand-in whose
// properties load the real module when first read: code that only calls into
// it later (fastify's HTTPS and HTTP/2 servers, prom-client's OpenTelemetry
// exemplars, fastify's plugin version checks, hashing) no longer loads it, or
// what it loads, at every start.
//
// A module qualifies only if its exports are a plain object (a module that is
// itself a function, such as node:assert, cannot be stood in for) and its
// importers read its properties when they use them, not at their own load
// (a destructuring `const { x } = require(...)` at the top loads it at once:
// correct, merely not deferred).
import { createRequire } from "node:module";

/** Node's built-in modules: HTTPS serves only -web-ssl, HTTP/2 only the gRPC API, TLS both; crypto hashes only for writes, downloads and certificates. */
const BUILTINS = ["https", "http2", "tls", "crypto"];
/** Packages: semver (fastify's plugin version checks), @opentelemetry/api (prom-client's exemplars, off). */
const PACKAGES = ["semver", "@opentelemetry/api"];

const NAMESPACE = "deferred";

/** The stand-in's source: a getter per export name known at build time, each loading the module on first read. */
function standIn(specifier, names) {
  return [
    "let loaded;",
    `const load = () => (loaded ??= require(${JSON.stringify(specifier)}));`,
    `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { get: () => load()[name], enumerable: true });`,
  ].join("\n");
}

/**
 * The export names of a module, as the Node running the build loads it (the
 * image builds with the Node it runs); refuses a module that is not a plain
 * object.
 */
function exportNames(requireFrom, specifier) {
  const exports = requireFrom(specifier);
  if (exports === null || typeof exports !== "object") throw new Error(`deferred-modules: ${specifier} exports a ${typeof exports}, not an object: it cannot be deferred`);
  return Object.keys(exports);
}

/** `root`: the folder whose node_modules hold the packages; the lists default to the server's. */
export function deferredModules(root, { builtins = BUILTINS, packages = PACKAGES } = {}) {
  const requireFrom = createRequire(`${root}/package.json`);
  const specifiers = new Map([...builtins.flatMap((name) => [[name, `node:${name}`], [`node:${name}`, `node:${name}`]]), ...packages.map((name) => [name, name])]);
  return {
    name: "deferred-modules",
    setup(build) {
      build.onResolve({ filter: /^[@a-z]/ }, (args) => {
        // The stand-in's own require() resolves to the real module.
        if (args.namespace === NAMESPACE) return undefined;
        const specifier = specifiers.get(args.path);
        return specifier === undefined ? undefined : { path: specifier, namespace: NAMESPACE };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: standIn(args.path, exportNames(requireFrom, args.path)),
        resolveDir: root,
        loader: "js",
      }));
    },
  };
}
