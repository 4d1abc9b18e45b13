// A second reference for /ipxe: fastify with no hooks or logging answering the same fixed script,
// to separate the framework's cost from netboot's own per-request work.
import Fastify from "fastify";

const port = Number(process.argv[2]);
const BODY =
  "#!ipxe\nkernel /assets/vmlinuz initrd=initrd.img coreos.live.rootfs_url=http://netboot.example/assets/rootfs.img ignition.firstboot ignition.platform.id=metal ignition.config.url=http://netboot.example/ignition?uuid=${uuid}&mac=${mac:hexhyp}&p=1\ninitrd /assets/initrd.img\nboot\n";
const app = Fastify({ logger: false });
app.get("/ipxe", (_request, reply) => reply.header("content-type", "text/plain; charset=utf-8").send(BODY));
await app.listen({ host: "127.0.0.1", port });
