// The HTTP client for upstream transfers, in a module of its own so that it can be
// loaded on first use (undici is CommonJS: a static re-export keeps its named
// exports when the command is bundled, where a dynamic import of it would not).
export { Agent, request } from "undici";
