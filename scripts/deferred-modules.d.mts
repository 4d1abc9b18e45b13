import type { Plugin } from "esbuild";

/** The esbuild plugin of scripts/deferred-modules.mjs: the server's lists by default. */
export function deferredModules(root: string, lists?: { builtins?: string[]; packages?: string[] }): Plugin;
