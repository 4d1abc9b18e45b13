// @fastify/static's reply.sendFile as netboot's /assets/ uses it, with an optional read chunk size,
// to measure what a larger highWaterMark changes. Args: port root [highWaterMark bytes].
import fastifyStatic from "@fastify/static";
import Fastify from "fastify";

const [port, root, chunk] = process.argv.slice(2);
const sendOptions = chunk ? { highWaterMark: Number(chunk) } : undefined;
const app = Fastify({ logger: false });
await app.register(fastifyStatic, { root, serve: false, cacheControl: false });
app.get("/assets/*", (request, reply) => reply.sendFile(request.params["*"], root, sendOptions));
await app.listen({ host: "127.0.0.1", port: Number(port) });
